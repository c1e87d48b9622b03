package fleetguard.object.pod.proc_mount_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.proc_mount

test_unmasked_fails if {
	inp := fixtures.input_for(fixtures.deployment({"hostUsers": false, "containers": [object.union(fixtures.app, {"securityContext": {"procMount": "Unmasked"}})]}))
	v := proc_mount.violation with input as inp
	v == {{"msg": `container "app" sets procMount "Unmasked"`, "details": {"container": "app", "path": "spec.template.spec.containers[0]", "procMount": "Unmasked"}}}
}

test_default_passes if {
	inp := fixtures.input_for(fixtures.pod({"containers": [object.union(fixtures.app, {"securityContext": {"procMount": "Default"}})]}))
	count(proc_mount.violation) == 0 with input as inp
}

test_unset_passes if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [fixtures.app]}))
	count(proc_mount.violation) == 0 with input as inp
}
