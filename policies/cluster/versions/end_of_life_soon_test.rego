package fleetguard.cluster.versions.end_of_life_soon_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.end_of_life_soon

server(minor, now) := object.union(fixtures.views({"versions": {"server": {"gitVersion": sprintf("v1.%d.0", [minor]), "major": 1, "minor": minor, "patch": 0}}}), {"config": {"now": now}})

test_within_90_days_fails if {
	v := end_of_life_soon.violation with input as server(35, "2026-12-01T00:00:00Z")
	fixtures.messages(v) == {"the API server runs Kubernetes v1.35.0, which reaches end of life on 2027-02-28 (approximate date), within 90 days"}
}

test_exact_date_fails if {
	v := end_of_life_soon.violation with input as server(34, "2026-08-01T12:00:00Z")
	fixtures.messages(v) == {"the API server runs Kubernetes v1.34.0, which reaches end of life on 2026-10-27, within 90 days"}
}

test_far_or_past_end_of_life_passes if {
	count(end_of_life_soon.violation) == 0 with input as server(35, "2026-11-21T00:00:00Z")
	count(end_of_life_soon.violation) == 0 with input as server(33, "2026-11-21T00:00:00Z")
}
