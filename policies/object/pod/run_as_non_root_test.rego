package fleetguard.object.pod.run_as_non_root_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.run_as_non_root

test_unset_everywhere_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := run_as_non_root.violation with input as inp
	v == {{"msg": `container "app" does not set runAsNonRoot: true, and neither does the pod`, "details": {"container": "app", "path": "spec.template.spec.containers[0]"}}}
}

test_pod_level_true_passes if {
	inp := fixtures.input_for(fixtures.cronjob({"securityContext": {"runAsNonRoot": true}, "initContainers": [{"name": "setup", "image": "busybox:1.36"}], "containers": [fixtures.app]}))
	count(run_as_non_root.violation) == 0 with input as inp
}

test_container_false_overrides_pod_true if {
	inp := fixtures.input_for(fixtures.pod({
		"securityContext": {"runAsNonRoot": true},
		"containers": [fixtures.app, {"name": "sidecar", "image": "envoy:1.30", "securityContext": {"runAsNonRoot": false}}],
	}))
	v := run_as_non_root.violation with input as inp
	fixtures.messages(v) == {`container "sidecar" sets runAsNonRoot: false`}
}

test_container_true_overrides_pod_false if {
	inp := fixtures.input_for(fixtures.pod({
		"securityContext": {"runAsNonRoot": false},
		"containers": [object.union(fixtures.app, {"securityContext": {"runAsNonRoot": true}}), {"name": "sidecar", "image": "envoy:1.30"}],
	}))
	v := run_as_non_root.violation with input as inp
	fixtures.messages(v) == {`container "sidecar" inherits runAsNonRoot: false from the pod`}
}
