# METADATA
# title: Subjects that can create service account tokens
# description: >-
#   create on serviceaccounts/token mints tokens for any service account in
#   scope, and with them every permission those accounts hold. One finding per
#   non-system subject and binding.
# custom:
#   id: FG-RBAC-108
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.13"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege", "pod-security/service-account-tokens"]
#   remediation: >-
#     Remove create on serviceaccounts/token, or limit it with resourceNames
#     to the accounts the subject must issue tokens for.
package fleetguard.cluster.rbac.token_create

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"serviceaccount-token"})
