package fleetguard.object.pod.privilege_escalation_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.privilege_escalation

test_unset_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := privilege_escalation.violation with input as inp
	fixtures.messages(v) == {`container "app" does not set allowPrivilegeEscalation: false`}
}

test_true_fails_for_init_container if {
	inp := fixtures.input_for(fixtures.cronjob({
		"initContainers": [{"name": "setup", "image": "busybox:1.36", "securityContext": {"allowPrivilegeEscalation": true}}],
		"containers": [object.union(fixtures.app, {"securityContext": {"allowPrivilegeEscalation": false}})],
	}))
	v := privilege_escalation.violation with input as inp
	v == {{"msg": `initContainer "setup" sets allowPrivilegeEscalation: true`, "details": {"container": "setup", "path": "spec.jobTemplate.spec.template.spec.initContainers[0]"}}}
}

test_false_passes if {
	inp := fixtures.input_for(fixtures.pod({"containers": [object.union(fixtures.app, {"securityContext": {"allowPrivilegeEscalation": false}})]}))
	count(privilege_escalation.violation) == 0 with input as inp
}

test_windows_pod_is_exempt if {
	inp := fixtures.input_for(fixtures.pod({"os": {"name": "windows"}, "containers": [fixtures.app]}))
	count(privilege_escalation.violation) == 0 with input as inp
}
