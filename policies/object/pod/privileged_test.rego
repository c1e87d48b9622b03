package fleetguard.object.pod.privileged_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.privileged

test_privileged_container_fails if {
	v := privileged.violation with input as {"containers": [{
		"type": "container", "path": "spec.containers[0]",
		"container": {"name": "app", "securityContext": {"privileged": true}},
	}]}
	count(v) == 1
	some f in v
	f.msg == `container "app" is privileged`
}

test_privileged_init_container_fails if {
	v := privileged.violation with input as {"containers": [
		{"type": "container", "path": "spec.containers[0]", "container": {"name": "app"}},
		{"type": "initContainer", "path": "spec.initContainers[0]", "container": {"name": "setup", "securityContext": {"privileged": true}}},
	]}
	count(v) == 1
}

test_privileged_daemonset_fails_with_path if {
	inp := fixtures.input_for(fixtures.daemonset({"containers": [object.union(fixtures.app, {"securityContext": {"privileged": true}})]}))
	v := privileged.violation with input as inp
	v == {{"msg": `container "app" is privileged`, "details": {"container": "app", "path": "spec.template.spec.containers[0]"}}}
}

test_unprivileged_passes if {
	v := privileged.violation with input as {"containers": [{
		"type": "container", "path": "spec.containers[0]",
		"container": {"name": "app", "securityContext": {"privileged": false}},
	}]}
	count(v) == 0
}
