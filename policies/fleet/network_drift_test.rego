package fleetguard.fleet.network_drift_test

import data.fleetguard.fleet.lib.fixtures
import data.fleetguard.fleet.network_drift

ns(ingress, egress) := {"defaultDenyIngress": ingress, "defaultDenyEgress": egress, "pssEnforce": "restricted"}

test_missing_default_deny_in_one_production_cluster_fails if {
	inp := fixtures.fleet([
		fixtures.cluster("eu-prod", "production", {"namespaces": {"shop": ns(true, true)}}),
		fixtures.cluster("us-prod", "prod", {"namespaces": {"shop": ns(true, false)}}),
	])
	v := network_drift.violation with input as inp
	v == {{
		"msg": `namespace "shop" has no default-deny egress in cluster us-prod, but has one in eu-prod`,
		"cluster": "us-prod",
		"resource": {"apiVersion": "v1", "kind": "Namespace", "name": "shop"},
		"details": {"direction": "egress", "defaultDenyIn": {"eu-prod"}},
	}}
}

test_non_production_and_same_posture_pass if {
	inp := fixtures.fleet([
		fixtures.cluster("eu-prod", "production", {"namespaces": {"shop": ns(true, true), "web": ns(false, false)}}),
		fixtures.cluster("us-prod", "production", {"namespaces": {"shop": ns(true, true), "web": ns(false, false)}}),
		fixtures.cluster("dev", "dev", {"namespaces": {"shop": ns(false, false)}}),
		fixtures.cluster("partial", "production", {"namespaces": null}),
	])
	count(network_drift.violation) == 0 with input as inp
}
