package fleetguard.object.pod.seccomp_unconfined_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.seccomp_unconfined

test_pod_and_container_unconfined_fail if {
	inp := fixtures.input_for(fixtures.deployment({
		"securityContext": {"seccompProfile": {"type": "Unconfined"}},
		"containers": [object.union(fixtures.app, {"securityContext": {"seccompProfile": {"type": "Unconfined"}}})],
	}))
	v := seccomp_unconfined.violation with input as inp
	fixtures.messages(v) == {"pod sets seccompProfile.type Unconfined", `container "app" sets seccompProfile.type Unconfined`}
}

test_runtime_default_passes if {
	inp := fixtures.input_for(fixtures.cronjob({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [fixtures.app]}))
	count(seccomp_unconfined.violation) == 0 with input as inp
}

test_unset_passes_at_baseline if {
	inp := fixtures.input_for(fixtures.pod({"containers": [fixtures.app]}))
	count(seccomp_unconfined.violation) == 0 with input as inp
}
