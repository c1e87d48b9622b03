package fleetguard.fleet.rbac_drift_test

import data.fleetguard.fleet.lib.fixtures
import data.fleetguard.fleet.rbac_drift

role(hash) := {"hash": hash, "rules": 1}

test_changed_role_in_minority_fails if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"clusterRoles": {"deployer": role("sha256:1")}}),
		fixtures.cluster("b", "production", {"clusterRoles": {"deployer": role("sha256:1")}}),
		fixtures.cluster("c", "production", {"clusterRoles": {"deployer": role("sha256:2")}}),
	])
	v := rbac_drift.violation with input as inp
	fixtures.messages(v) == {`ClusterRole "deployer" differs between clusters of env "production": rules sha256:2 here; rules sha256:1 in a, b`}
	fixtures.clusters(v) == {"c"}
}

test_binding_missing_in_one_of_two_reports_both if {
	b := {"roleRef": "ClusterRole/view", "subjects": ["Group:sre"]}
	inp := fixtures.fleet([fixtures.cluster("a", "staging", {"clusterRoleBindings": {"sre-view": b}}), fixtures.cluster("b", "staging", {})])
	v := rbac_drift.violation with input as inp
	fixtures.messages(v) == {
		`ClusterRoleBinding "sre-view" differs between clusters of env "staging": ClusterRole/view for Group:sre here; absent in b`,
		`ClusterRoleBinding "sre-view" differs between clusters of env "staging": absent here; ClusterRole/view for Group:sre in a`,
	}
}

test_other_envs_and_unknown_pass if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"clusterRoles": {"deployer": role("sha256:1")}}),
		fixtures.cluster("b", "dev", {"clusterRoles": {"deployer": role("sha256:2")}}),
		fixtures.cluster("c", "production", {"clusterRoles": null}),
	])
	count(rbac_drift.violation) == 0 with input as inp
}
