package fleetguard.object.pod.capabilities_restricted_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.capabilities_restricted

with_caps(caps) := object.union(fixtures.app, {"securityContext": {"capabilities": caps}})

test_not_dropping_all_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [with_caps({"drop": ["NET_RAW"]})]}))
	v := capabilities_restricted.violation with input as inp
	v == {{"msg": `container "app" does not drop ALL capabilities`, "details": {"container": "app", "path": "spec.template.spec.containers[0]"}}}
}

test_baseline_add_other_than_net_bind_service_fails if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [with_caps({"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN"]})]}))
	v := capabilities_restricted.violation with input as inp

	# SYS_ADMIN is FG-POD-005's finding, not this policy's.
	fixtures.messages(v) == {`container "app" adds capability "CHOWN"; the restricted profile allows only NET_BIND_SERVICE`}
}

test_drop_all_with_net_bind_service_passes if {
	inp := fixtures.input_for(fixtures.pod({
		"initContainers": [object.union(with_caps({"drop": ["all"]}), {"name": "setup"})],
		"containers": [with_caps({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})],
	}))
	count(capabilities_restricted.violation) == 0 with input as inp
}

test_windows_pod_is_exempt if {
	inp := fixtures.input_for(fixtures.pod({"os": {"name": "windows"}, "containers": [fixtures.app]}))
	count(capabilities_restricted.violation) == 0 with input as inp
}
