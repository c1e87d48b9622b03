package fleetguard.fleet.version_spread_test

import data.fleetguard.fleet.lib.fixtures
import data.fleetguard.fleet.version_spread

test_two_minors_apart_fails if {
	inp := fixtures.fleet([fixtures.cluster("eu-prod", "production", {}), fixtures.cluster("us-prod", "production", {"minor": 34}), fixtures.cluster("dev", "dev", {"minor": 30})])
	v := version_spread.violation with input as inp
	v == {{
		"msg": `cluster us-prod runs Kubernetes 1.34, 2 minors behind 1.36 in eu-prod (env "production")`,
		"cluster": "us-prod",
		"resource": {"kind": "Cluster", "name": "us-prod"},
		"details": {"env": "production", "minor": 34, "newest": 36},
	}}
}

test_one_minor_apart_passes if {
	inp := fixtures.fleet([fixtures.cluster("a", "production", {}), fixtures.cluster("b", "production", {"minor": 35}), fixtures.cluster("c", "production", {"minor": null})])
	count(version_spread.violation) == 0 with input as inp
}
