# METADATA
# title: Subjects that can exec, attach or port-forward into pods
# description: >-
#   pods/exec, pods/attach and pods/portforward give a shell or a network path
#   into running containers, with their service account tokens and Secrets.
#   One finding per non-system subject and binding.
# custom:
#   id: FG-RBAC-105
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Remove create and get on pods/exec, pods/attach and pods/portforward
#     from standing roles; grant them just in time for debugging.
package fleetguard.cluster.rbac.pod_exec

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"pods-attach", "pods-exec", "pods-portforward"})
