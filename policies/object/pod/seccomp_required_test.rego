package fleetguard.object.pod.seccomp_required_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.seccomp_required

test_unset_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := seccomp_required.violation with input as inp
	v == {{"msg": `container "app" has no seccomp profile, and neither does the pod`, "details": {"container": "app", "path": "spec.template.spec.containers[0]"}}}
}

test_pod_profile_is_inherited if {
	inp := fixtures.input_for(fixtures.cronjob({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "initContainers": [{"name": "setup"}], "containers": [fixtures.app]}))
	count(seccomp_required.violation) == 0 with input as inp
}

test_only_containers_without_profile_fail if {
	inp := fixtures.input_for(fixtures.pod({"containers": [
		object.union(fixtures.app, {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/web.json"}}}),
		{"name": "sidecar", "image": "envoy:1.30"},
	]}))
	v := seccomp_required.violation with input as inp
	fixtures.messages(v) == {`container "sidecar" has no seccomp profile, and neither does the pod`}
}

test_windows_pod_is_exempt if {
	inp := fixtures.input_for(fixtures.pod({"os": {"name": "windows"}, "containers": [fixtures.app]}))
	count(seccomp_required.violation) == 0 with input as inp
}
