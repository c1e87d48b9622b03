package fleetguard.object.pod.selinux_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.selinux

test_custom_type_and_user_fail if {
	inp := fixtures.input_for(fixtures.deployment({
		"securityContext": {"seLinuxOptions": {"type": "spc_t"}},
		"containers": [object.union(fixtures.app, {"securityContext": {"seLinuxOptions": {"user": "system_u", "role": "system_r"}}})],
	}))
	v := selinux.violation with input as inp
	fixtures.messages(v) == {
		`pod sets seLinuxOptions.type "spc_t", which is not a container type`,
		`container "app" sets seLinuxOptions.user "system_u"`,
		`container "app" sets seLinuxOptions.role "system_r"`,
	}
}

test_container_types_and_level_pass if {
	inp := fixtures.input_for(fixtures.pod({
		"securityContext": {"seLinuxOptions": {"level": "s0:c123,c456"}},
		"containers": [object.union(fixtures.app, {"securityContext": {"seLinuxOptions": {"type": "container_init_t"}}})],
	}))
	count(selinux.violation) == 0 with input as inp
}

test_empty_user_passes_but_bad_type_in_cronjob_fails if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [object.union(fixtures.app, {"securityContext": {"seLinuxOptions": {"user": "", "type": "unconfined_t"}}})]}))
	v := selinux.violation with input as inp
	v == {{
		"msg": `container "app" sets seLinuxOptions.type "unconfined_t", which is not a container type`,
		"details": {"container": "app", "path": "spec.jobTemplate.spec.template.spec.containers[0]"},
	}}
}
