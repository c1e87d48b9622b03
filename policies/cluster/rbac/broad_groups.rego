# METADATA
# title: Sensitive permissions granted to every authenticated user or service account
# description: >-
#   system:authenticated holds every user and every service account of the
#   cluster, and system:serviceaccounts (or system:serviceaccounts:<ns>)
#   every service account (of a namespace). A sensitive permission bound to
#   one of these groups is held by every pod that mounts a token. One
#   finding per group and binding.
# custom:
#   id: FG-RBAC-113
#   severity: critical
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege", "authz/authentication"]
#   remediation: >-
#     Bind the role to the specific users, groups or service accounts that
#     need it, not to an implicit group.
package fleetguard.cluster.rbac.broad_groups

import data.fleetguard.cluster.lib.rbac

broad(s) if {
	s.kind == "Group"
	s.name in {"system:authenticated", "system:serviceaccounts"}
}

broad(s) if {
	s.kind == "Group"
	startswith(s.name, "system:serviceaccounts:")
}

violation contains {
	"msg": sprintf("%s %q grants sensitive permissions (%s) to %s %s (role %s %q)", [b.kind, b.name, concat(", ", perms), rbac.label(s), rbac.where(h), h.role.kind, h.role.name]),
	"resource": b,
	"details": {"subject": s.id, "role": h.role, "permissions": perms},
} if {
	some s in input.views.rbac.subjects
	some h in s.direct
	broad(s)
	perms := {p.permission | some p in h.sensitive}
	count(perms) > 0
	b := h.binding
}
