package fleetguard.object.lib.securitycontext_test

import data.fleetguard.object.lib.securitycontext

test_container_setting_overrides_pod if {
	c := {"type": "container", "container": {"name": "app", "securityContext": {"runAsNonRoot": false}}}
	v := securitycontext.effective(c, "runAsNonRoot") with input as {"pod": {"spec": {"securityContext": {"runAsNonRoot": true}}}}
	v == false
}

test_pod_setting_applies_when_container_is_silent if {
	c := {"type": "container", "container": {"name": "app"}}
	v := securitycontext.effective(c, "runAsNonRoot") with input as {"pod": {"spec": {"securityContext": {"runAsNonRoot": true}}}}
	v == true
}

test_unset_everywhere_is_undefined if {
	c := {"type": "container", "container": {"name": "app"}}
	not securitycontext.effective(c, "runAsNonRoot") with input as {"pod": {"spec": {}}}
}

test_normalized_capability if {
	securitycontext.normalized_capability("cap_net_raw") == "NET_RAW"
	securitycontext.normalized_capability("SYS_ADMIN") == "SYS_ADMIN"
}
