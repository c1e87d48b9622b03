package fleetguard.cluster.versions.end_of_life_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.end_of_life

server(minor) := {"versions": {"server": {"gitVersion": sprintf("v1.%d.2", [minor]), "major": 1, "minor": minor, "patch": 2}}}

test_past_end_of_life_fails if {
	v := end_of_life.violation with input as fixtures.views(server(31))
	v == {{
		"msg": "the API server runs Kubernetes v1.31.2, which reached end of life on 2025-10-28",
		"resource": {"kind": "Cluster", "name": "eu-prod"},
		"details": {"version": "v1.31.2", "endOfLife": "2025-10-28"},
	}}
}

test_older_than_the_table_fails if {
	v := end_of_life.violation with input as fixtures.views(server(21))
	fixtures.messages(v) == {"the API server runs Kubernetes v1.21.2, older than every minor in the release table (oldest 1.25): it is past end of life"}
}

test_supported_and_unknown_pass if {
	count(end_of_life.violation) == 0 with input as fixtures.views(server(36))
	count(end_of_life.violation) == 0 with input as fixtures.views(server(40))
	count(end_of_life.violation) == 0 with input as fixtures.views({"versions": {"server": null}})
}
