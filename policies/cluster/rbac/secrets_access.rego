# METADATA
# title: Subjects that can read Secrets
# description: >-
#   Reading Secrets (get, list or watch) hands over every credential they
#   hold: service account tokens, registry credentials, database passwords.
#   One finding per non-system subject and binding that grants it, cluster-
#   wide or in a namespace. Users and groups named system:* and service
#   accounts in system namespaces are the platform's own and are left out.
# custom:
#   id: FG-RBAC-103
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.2"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege", "network/secrets"]
#   remediation: >-
#     Remove get, list and watch on secrets from the role, or limit get to the
#     resourceNames the workload needs. Give applications their own Secrets
#     through volumes rather than API access.
package fleetguard.cluster.rbac.secrets_access

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"read-secrets"})
