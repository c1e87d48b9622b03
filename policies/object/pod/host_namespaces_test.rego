package fleetguard.object.pod.host_namespaces_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.host_namespaces

test_each_host_namespace_is_reported if {
	inp := fixtures.input_for(fixtures.pod({"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [fixtures.app]}))
	v := host_namespaces.violation with input as inp
	fixtures.messages(v) == {
		"pod shares the host's network namespace (hostNetwork: true)",
		"pod shares the host's PID namespace (hostPID: true)",
		"pod shares the host's IPC namespace (hostIPC: true)",
	}
}

test_daemonset_host_network_fails_with_path if {
	inp := fixtures.input_for(fixtures.daemonset({"hostNetwork": true, "containers": [fixtures.app]}))
	v := host_namespaces.violation with input as inp
	v == {{"msg": "pod shares the host's network namespace (hostNetwork: true)", "details": {"field": "hostNetwork", "path": "spec.template.spec.hostNetwork"}}}
}

test_false_or_unset_passes if {
	inp := fixtures.input_for(fixtures.deployment({"hostNetwork": false, "containers": [fixtures.app]}))
	count(host_namespaces.violation) == 0 with input as inp
}
