# Helpers for the RBAC policies: which subjects are the platform's own, and
# one finding per subject and binding for a set of sensitive permissions
# (views.rbac.subjects[].direct[].sensitive). No violation rule, so not a policy.
package fleetguard.cluster.lib.rbac

import data.fleetguard.cluster.lib.k8s

# system_subject(s) is true for the control plane's identities: users and
# groups named system:*, and service accounts in system namespaces.
system_subject(s) if {
	s.kind in {"User", "Group"}
	startswith(s.name, "system:")
}

system_subject(s) if {
	s.kind == "ServiceAccount"
	s.namespace in k8s.system_namespaces
}

# direct(g) is true for a grant or permission bound to the subject itself,
# not through one of its implicit groups (those are reported on the group).
direct(g) if object.get(g, "via", "") == ""

# label(s) names a subject in a message: ServiceAccount shop/web, User "alice".
label(s) := sprintf("ServiceAccount %s/%s", [s.namespace, s.name]) if {
	s.kind == "ServiceAccount"
} else := sprintf("%s %q", [s.kind, s.name])

# where(g) says where a grant applies.
where(g) := "cluster-wide" if {
	g.scope == "cluster"
} else := sprintf("in namespace %q", [g.namespace])

# cluster_admin(h) is true when a binding held directly (a subject's
# views.rbac.subjects[].direct entry) grants every verb on every resource in
# every group, cluster-wide.
cluster_admin(h) if {
	some p in h.sensitive
	p.permission == "wildcard"
	p.scope == "cluster"
}

resource_label(p) := p.resource if {
	p.group == ""
} else := sprintf("%s.%s", [p.resource, p.group])

# holders[name] are the [subject index, direct index] pairs of the non-system
# subjects that hold the sensitive permission name directly (through
# input.views.rbac.subjects[i].direct[j]). Computed once per evaluation and
# shared by every policy that calls findings.
holders[name] contains [i, j] if {
	some i, s in input.views.rbac.subjects
	some j, h in s.direct
	some p in h.sensitive
	not system_subject(s)
	name := p.permission
}

# findings(names) is one finding per non-system subject and binding that
# grants it one of the sensitive permissions in names. Subjects' direct
# entries group the permissions by binding, so no grant is scanned twice.
findings(names) := {f |
	index := holders
	pairs := {pair | some n in names; some pair in index[n]}
	some [i, j] in pairs
	s := input.views.rbac.subjects[i]
	h := s.direct[j]
	perms := [p | some p in h.sensitive; p.permission in names]
	f := finding(s, h.binding, perms)
}

finding(s, b, perms) := {
	"msg": sprintf("%s %q lets %s %s %s%s %s (role %s %q)", [
		b.kind, b.name, label(s), concat(", ", verbs), concat(", ", resources), named, where(perms[0]),
		perms[0].role.kind, perms[0].role.name,
	]),
	"resource": b,
	"details": {
		"subject": s.id,
		"role": perms[0].role,
		"scope": perms[0].scope,
		"permissions": {p.permission | some p in perms},
		"verbs": verbs,
		"resources": resources,
		"resourceNames": names,
	},
} if {
	verbs := {v | some p in perms; some v in p.verbs}
	resources := {resource_label(p) | some p in perms}
	names := {n | some p in perms; some n in p.resourceNames}
	named := only_named(perms, names)
}

# only_named says " named a, b" when every permission is limited to resourceNames.
only_named(perms, names) := sprintf(" named %s", [concat(", ", names)]) if {
	every p in perms {
		count(p.resourceNames) > 0
	}
} else := ""
