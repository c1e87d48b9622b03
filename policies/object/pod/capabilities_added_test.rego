package fleetguard.object.pod.capabilities_added_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.capabilities_added

with_caps(add) := object.union(fixtures.app, {"securityContext": {"capabilities": {"add": add}}})

test_sys_admin_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [with_caps(["SYS_ADMIN", "CHOWN"])]}))
	v := capabilities_added.violation with input as inp
	v == {{
		"msg": `container "app" adds capability "SYS_ADMIN", which the baseline profile does not allow`,
		"details": {"container": "app", "capability": "SYS_ADMIN", "path": "spec.template.spec.containers[0].securityContext.capabilities.add"},
	}}
}

test_cap_prefixed_and_lower_case_names_are_recognised if {
	inp := fixtures.input_for(fixtures.pod({"initContainers": [object.union(with_caps(["cap_net_raw", "CAP_CHOWN"]), {"name": "setup"})], "containers": [fixtures.app]}))
	v := capabilities_added.violation with input as inp
	fixtures.messages(v) == {`initContainer "setup" adds capability "cap_net_raw", which the baseline profile does not allow`}
}

test_baseline_capabilities_pass if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [with_caps(["NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID"])]}))
	count(capabilities_added.violation) == 0 with input as inp
}
