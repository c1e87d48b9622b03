package fleetguard.object.pod.apparmor_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.apparmor

test_unconfined_annotation_fails if {
	inp := fixtures.input_for(fixtures.pod_with_annotations({"containers": [fixtures.app]}, {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}))
	v := apparmor.violation with input as inp
	v == {{
		"msg": `annotation "container.apparmor.security.beta.kubernetes.io/app" sets container "app" to AppArmor profile "unconfined"`,
		"details": {"container": "app", "annotation": "container.apparmor.security.beta.kubernetes.io/app"},
	}}
}

test_unconfined_security_context_fails_in_deployment if {
	inp := fixtures.input_for(fixtures.deployment({
		"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
		"containers": [object.union(fixtures.app, {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}})],
	}))
	v := apparmor.violation with input as inp
	fixtures.messages(v) == {`pod sets appArmorProfile.type "Unconfined"`, `container "app" sets appArmorProfile.type "Unconfined"`}
}

test_runtime_default_and_localhost_pass if {
	inp := fixtures.input_for(fixtures.pod_with_annotations(
		{
			"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
			"containers": [object.union(fixtures.app, {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-web"}}})],
		},
		{"container.apparmor.security.beta.kubernetes.io/app": "localhost/k8s-web", "example.com/team": "shop"},
	))
	count(apparmor.violation) == 0 with input as inp
}
