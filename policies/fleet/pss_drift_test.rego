package fleetguard.fleet.pss_drift_test

import data.fleetguard.fleet.lib.fixtures
import data.fleetguard.fleet.pss_drift

ns(level) := {"defaultDenyIngress": true, "defaultDenyEgress": true, "pssEnforce": level}

test_weaker_level_fails if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"namespaces": {"shop": ns("restricted"), "web": ns("")}}),
		fixtures.cluster("b", "production", {"namespaces": {"shop": ns("baseline"), "web": ns("baseline")}}),
	])
	v := pss_drift.violation with input as inp
	fixtures.messages(v) == {
		`namespace "shop" enforces "baseline" in cluster b, but "restricted" in a (env "production")`,
		`namespace "web" enforces no level (privileged) in cluster a, but "baseline" in b (env "production")`,
	}
	fixtures.clusters(v) == {"a", "b"}
}

test_same_levels_and_other_envs_pass if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"namespaces": {"shop": ns("restricted")}}),
		fixtures.cluster("b", "production", {"namespaces": {"shop": ns("restricted"), "only-here": ns("")}}),
		fixtures.cluster("c", "dev", {"namespaces": {"shop": ns("")}}),
	])
	count(pss_drift.violation) == 0 with input as inp
}
