package fleetguard.object.pod.run_as_user_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.run_as_user

test_pod_uid_zero_fails if {
	inp := fixtures.input_for(fixtures.statefulset({"securityContext": {"runAsUser": 0}, "containers": [fixtures.app]}))
	v := run_as_user.violation with input as inp
	v == {{"msg": "pod sets runAsUser: 0 (root)", "details": {"path": "spec.template.spec.securityContext.runAsUser"}}}
}

test_container_uid_zero_fails if {
	inp := fixtures.input_for(fixtures.pod({
		"securityContext": {"runAsUser": 10001},
		"containers": [fixtures.app, {"name": "debug", "image": "busybox:1.36", "securityContext": {"runAsUser": 0}}],
	}))
	v := run_as_user.violation with input as inp
	fixtures.messages(v) == {`container "debug" sets runAsUser: 0 (root)`}
}

test_non_zero_or_unset_passes if {
	inp := fixtures.input_for(fixtures.cronjob({"securityContext": {"runAsUser": 10001}, "containers": [fixtures.app]}))
	count(run_as_user.violation) == 0 with input as inp
}
