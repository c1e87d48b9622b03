# METADATA
# title: Wildcard grants held by non-system subjects
# description: >-
#   Rules with "*" in verbs, resources or apiGroups grant whatever the API
#   offers now and in the future, including resources added later by CRDs.
#   Reported per non-system subject and binding, from the rules the subject
#   effectively holds; full cluster-admin rights are reported by FG-RBAC-101
#   instead.
# custom:
#   id: FG-RBAC-102
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.3"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     List the exact apiGroups, resources and verbs the subject needs in the
#     role instead of "*".
package fleetguard.cluster.rbac.wildcard

import data.fleetguard.cluster.lib.rbac

wildcard_grant(g) if "*" in g.verbs

wildcard_grant(g) if "*" in g.resources

wildcard_grant(g) if "*" in g.apiGroups

violation contains {
	"msg": sprintf("%s %q gives %s wildcard rules %s (%s; role %s %q)", [b.kind, b.name, rbac.label(s), rbac.where(h), concat("; ", rules), h.role.kind, h.role.name]),
	"resource": b,
	"details": {"subject": s.id, "role": h.role, "rules": rules},
} if {
	some s in input.views.rbac.subjects
	some h in s.direct
	not rbac.system_subject(s)
	not rbac.cluster_admin(h)
	rules := {describe(g) | some g in h.rules; wildcard_grant(g)}
	count(rules) > 0
	b := h.binding
}

describe(g) := sprintf("verbs %s on %s", [concat(",", g.verbs), concat(",", resources(g))])

resources(g) := g.nonResourceURLs if {
	count(g.resources) == 0
} else := {qualified(r, grp) | some r in g.resources; some grp in g.apiGroups}

qualified(r, "") := r

qualified(r, grp) := sprintf("%s.%s", [r, grp]) if grp != ""
