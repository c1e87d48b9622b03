package fleetguard.object.pod.read_only_root_filesystem_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.read_only_root_filesystem

test_unset_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := read_only_root_filesystem.violation with input as inp
	v == {{"msg": `container "app" does not set readOnlyRootFilesystem: true`, "details": {"container": "app", "path": "spec.template.spec.containers[0]"}}}
}

test_false_fails_and_ephemeral_is_ignored if {
	inp := fixtures.input_for(fixtures.pod({
		"containers": [object.union(fixtures.app, {"securityContext": {"readOnlyRootFilesystem": false}})],
		"ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}],
	}))
	v := read_only_root_filesystem.violation with input as inp
	fixtures.messages(v) == {`container "app" does not set readOnlyRootFilesystem: true`}
}

test_true_passes if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [object.union(fixtures.app, {"securityContext": {"readOnlyRootFilesystem": true}})]}))
	count(read_only_root_filesystem.violation) == 0 with input as inp
}
