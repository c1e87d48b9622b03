package fleetguard.object.pod.service_account_token_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.service_account_token

test_default_automount_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := service_account_token.violation with input as inp
	v == {{
		"msg": `pod mounts the token of service account "default" (automountServiceAccountToken is not false)`,
		"details": {"serviceAccountName": "default", "path": "spec.template.spec.automountServiceAccountToken"},
	}}
}

test_explicit_true_fails_naming_account if {
	inp := fixtures.input_for(fixtures.cronjob({"serviceAccountName": "reporter", "automountServiceAccountToken": true, "containers": [fixtures.app]}))
	v := service_account_token.violation with input as inp
	fixtures.messages(v) == {`pod mounts the token of service account "reporter" (automountServiceAccountToken is not false)`}
}

test_disabled_passes if {
	inp := fixtures.input_for(fixtures.pod({"automountServiceAccountToken": false, "containers": [fixtures.app]}))
	count(service_account_token.violation) == 0 with input as inp
}
