package fleetguard.object.pod.host_process_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.host_process

test_pod_level_host_process_fails if {
	inp := fixtures.input_for(fixtures.daemonset({
		"securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
		"hostNetwork": true,
		"containers": [fixtures.app],
	}))
	v := host_process.violation with input as inp
	v == {{"msg": "pod sets windowsOptions.hostProcess: true", "details": {"path": "spec.template.spec.securityContext.windowsOptions.hostProcess"}}}
}

test_container_level_host_process_fails if {
	inp := fixtures.input_for(fixtures.pod({"containers": [object.union(fixtures.app, {"securityContext": {"windowsOptions": {"hostProcess": true}}})]}))
	v := host_process.violation with input as inp
	fixtures.messages(v) == {`container "app" sets windowsOptions.hostProcess: true`}
}

test_plain_windows_pod_passes if {
	inp := fixtures.input_for(fixtures.deployment({
		"os": {"name": "windows"},
		"securityContext": {"windowsOptions": {"runAsUserName": "ContainerUser"}},
		"containers": [fixtures.app],
	}))
	count(host_process.violation) == 0 with input as inp
}
