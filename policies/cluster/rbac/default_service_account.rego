# METADATA
# title: Default service accounts bound to roles
# description: >-
#   Every pod that names no service account runs as its namespace's default
#   account. Permissions bound to it are held by all of them, including pods
#   that never needed API access. One finding per binding, outside system
#   namespaces.
# custom:
#   id: FG-RBAC-114
#   severity: medium
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.5"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege", "pod-security/service-account-tokens"]
#   remediation: >-
#     Create a dedicated service account for the workload that needs the
#     permissions, bind the role to it, and leave the default account
#     without bindings.
package fleetguard.cluster.rbac.default_service_account

import data.fleetguard.cluster.lib.rbac

violation contains {
	"msg": sprintf("%s %q binds the default service account of namespace %q to %s %q", [b.kind, b.name, s.namespace, h.role.kind, h.role.name]),
	"resource": b,
	"details": {"subject": s.id, "role": h.role},
} if {
	some s in input.views.rbac.subjects
	s.kind == "ServiceAccount"
	s.name == "default"
	some h in s.direct
	not rbac.system_subject(s)
	b := h.binding
}
