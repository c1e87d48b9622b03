# METADATA
# title: Subjects that can create pods or workloads
# description: >-
#   Whoever can create a pod, or a workload that creates pods, can run any
#   image with any service account of the namespace and mount its Secrets,
#   and, without Pod Security admission, escape to the node. One finding per
#   non-system subject and binding.
# custom:
#   id: FG-RBAC-104
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.4"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Grant create on pods and workload kinds only to deployment pipelines and
#     controllers that need it, in the namespaces they deploy to; enforce Pod
#     Security admission in those namespaces.
package fleetguard.cluster.rbac.create_workloads

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"create-pods", "create-workloads"})
