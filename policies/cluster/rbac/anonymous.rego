# METADATA
# title: Bindings to anonymous or unauthenticated users
# description: >-
#   A binding to User system:anonymous or Group system:unauthenticated grants
#   its rules to anyone who can reach the API server, without credentials.
#   Only the default read of the public health and version endpoints
#   (/healthz, /livez, /readyz, /version) is allowed. One finding per binding.
# custom:
#   id: FG-RBAC-112
#   severity: critical
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     nsa-cisa-v1.2: ["authz/authentication", "authz/rbac-least-privilege"]
#   remediation: >-
#     Delete the binding, or bind the role to authenticated groups instead;
#     disable anonymous authentication on the API server where possible.
package fleetguard.cluster.rbac.anonymous

import data.fleetguard.cluster.lib.rbac

public_info := {"/healthz", "/livez", "/readyz", "/version", "/version/"}

public_info_only(g) if {
	count(g.resources) == 0
	every u in g.nonResourceURLs {
		u in public_info
	}
}

# unauthenticated are the ids of the subjects that need no credentials: a
# set looked up per subject, not a function called per subject.
unauthenticated := {"User:system:anonymous", "Group:system:unauthenticated"}

violation contains {
	"msg": sprintf("%s %q grants %s, which needs no credentials, %d rule(s) %s (role %s %q)", [b.kind, b.name, rbac.label(s), count(gs), rbac.where(gs[0]), gs[0].role.kind, gs[0].role.name]),
	"resource": b,
	"details": {"subject": s.id, "role": gs[0].role},
} if {
	some s in input.views.rbac.subjects
	s.id in unauthenticated
	some g in s.grants
	not public_info_only(g)
	b := g.binding
	gs := [h | some h in s.grants; h.binding == b; not public_info_only(h)]
}
