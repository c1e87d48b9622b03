# Builders for cluster-scope policy tests: an input with empty views that a
# test fills in, and helpers for RBAC subjects. Test-only (never in the bundle).
package fleetguard.cluster.lib.fixtures

config := {
	"systemNamespaces": ["kube-system", "kube-public", "kube-node-lease"],
	"webhook": {"name": "fleetguard-webhook", "pattern": "^fleetguard(-webhook)?$"},
	"productionEnvs": ["production", "prod"],
	"now": "2026-11-21T00:00:00Z",
}

empty_views := {
	"rbac": {"subjects": [], "bindings": [], "drift": [], "dangling": [], "unauthenticated": []},
	"network": {"namespaces": [], "policies": [], "pods": []},
	"secrets": {"complete": true, "secrets": [], "references": [], "unused": [], "missing": [], "exposed": []},
	"versions": {
		"server": {"gitVersion": "v1.36.3", "major": 1, "minor": 36, "patch": 3},
		"nodes": [], "kubelets": [], "runtimes": [], "osImages": [], "kernels": [], "images": [],
		"apiVersions": {},
	},
}

base := {
	"cluster": {"name": "eu-prod", "context": "", "labels": {"env": "production"}, "serverVersion": {"gitVersion": "v1.36.3", "major": "1", "minor": "36"}, "state": "complete", "missingKinds": []},
	"snapshot": {"nodes": [], "apis": [], "objects": {}},
	"views": empty_views,
	"workloads": [],
	"config": config,
}

# input_with(patch) is the base input with patch merged in (objects merge
# key by key; arrays are replaced).
input_with(patch) := object.union(base, patch)

views(v) := input_with({"views": v})

objects(o) := input_with({"snapshot": {"objects": o}})

messages(v) := {f.msg | some f in v}

resources(v) := {f.resource | some f in v}

crb(name) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "name": name}

rb(ns, name) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "namespace": ns, "name": name}

cr(name) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": name}

# subject(kind, name, ns, perms, grants) is an rbac.subjects entry, with
# its direct entries derived from perms and grants as snapshot.Derive does.
subject(kind, name, ns, perms, grants) := {
	"kind": kind, "name": name, "namespace": ns, "id": subject_id(kind, name, ns), "groups": [], "missing": false, "clusterAdmin": false,
	"sensitive": perms, "grants": grants, "direct": direct(perms, grants),
}

# direct(perms, grants) groups the grants and permissions the subject holds
# itself (no via) by binding: one views.rbac.subjects[].direct entry each.
direct(perms, grants) := [held(b, perms, grants) | some b in {x.binding | some x in array.concat(perms, grants); own(x)}]

own(x) if object.get(x, "via", "") == ""

rule_fields := {"verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"}

held(b, perms, grants) := {
	"binding": b, "role": first.role, "scope": first.scope, "namespace": object.get(first, "namespace", ""),
	"rules": [object.filter(g, rule_fields) | some g in grants; g.binding == b; own(g)],
	"sensitive": [p | some p in perms; p.binding == b; own(p)],
} if {
	first := [x | some x in array.concat(perms, grants); x.binding == b; own(x)][0]
}

subject_id(kind, name, ns) := sprintf("ServiceAccount:%s:%s", [ns, name]) if kind == "ServiceAccount"

else := sprintf("%s:%s", [kind, name])

# perm(permission, group, resource, verbs, binding, role) is a sensitive
# permission held cluster-wide (ClusterRoleBinding) or in the binding's namespace.
perm(permission, group, resource, verbs, binding, role) := {
	"permission": permission, "verbs": verbs, "group": group, "resource": resource, "resourceNames": [],
	"scope": scope_of(binding), "namespace": object.get(binding, "namespace", ""), "binding": binding, "role": role,
}

scope_of(binding) := "cluster" if binding.kind == "ClusterRoleBinding"

else := "namespace"

grant(verbs, groups, resources, binding, role) := {
	"verbs": verbs, "apiGroups": groups, "resources": resources, "resourceNames": [], "nonResourceURLs": [],
	"binding": binding, "role": role, "scope": scope_of(binding), "namespace": object.get(binding, "namespace", ""),
}
