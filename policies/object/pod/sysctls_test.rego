package fleetguard.object.pod.sysctls_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.sysctls

test_unsafe_sysctl_fails if {
	inp := fixtures.input_for(fixtures.statefulset({
		"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "65536"}]},
		"containers": [fixtures.app],
	}))
	v := sysctls.violation with input as inp
	v == {{"msg": `pod sets unsafe sysctl "kernel.msgmax" to "65536"`, "details": {"sysctl": "kernel.msgmax", "path": "spec.template.spec.securityContext.sysctls[1]"}}}
}

test_safe_sysctls_pass if {
	inp := fixtures.input_for(fixtures.pod({
		"securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}, {"name": "kernel.shm_rmid_forced", "value": "1"}]},
		"containers": [fixtures.app],
	}))
	count(sysctls.violation) == 0 with input as inp
}

test_network_sysctl_outside_safe_set_fails if {
	inp := fixtures.input_for(fixtures.deployment({"securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "4096"}]}, "containers": [fixtures.app]}))
	v := sysctls.violation with input as inp
	fixtures.messages(v) == {`pod sets unsafe sysctl "net.core.somaxconn" to "4096"`}
}
