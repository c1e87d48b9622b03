package fleetguard.object.rbac.wildcard_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.rbac.wildcard

cluster_role(name, rules) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
	"metadata": {"name": name}, "rules": rules,
}

test_wildcard_cluster_role_fails if {
	inp := fixtures.input_for(cluster_role("ops-all", [
		{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
		{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
	]))
	v := wildcard.violation with input as inp
	v == {{
		"msg": `ClusterRole "ops-all" rule 1 grants "*" in apiGroups, resources, verbs`,
		"details": {"rule": 1, "fields": ["apiGroups", "resources", "verbs"], "path": "rules[1]"},
	}}
}

test_wildcard_verbs_in_role_fails if {
	role := {
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": {"name": "deployer", "namespace": "shop"},
		"rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}],
	}
	v := wildcard.violation with input as fixtures.input_for(role)
	fixtures.messages(v) == {`Role "deployer" rule 0 grants "*" in verbs`}
}

test_explicit_rules_pass if {
	inp := fixtures.input_for(cluster_role("viewer", [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list", "watch"]}]))
	count(wildcard.violation) == 0 with input as inp
}

test_bootstrap_roles_are_left_out if {
	role := object.union(
		cluster_role("cluster-admin", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
		{"metadata": {"labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}},
	)
	count(wildcard.violation) == 0 with input as fixtures.input_for(role)
}
