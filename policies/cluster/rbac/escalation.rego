# METADATA
# title: Subjects that can escalate, bind or impersonate
# description: >-
#   escalate and bind on roles let a subject grant itself permissions it does
#   not hold, and impersonate lets it act as any user, group or service
#   account. Each is a path to cluster-admin. One finding per non-system
#   subject and binding.
# custom:
#   id: FG-RBAC-106
#   severity: critical
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.8"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Remove escalate, bind and impersonate from the role; keep them for the
#     RBAC management tooling only, limited by resourceNames where possible.
package fleetguard.cluster.rbac.escalation

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"bind", "escalate", "impersonate"})
