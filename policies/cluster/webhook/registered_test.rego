package fleetguard.cluster.webhook.registered_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.webhook.registered

vwc(name) := {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": name}}

test_no_webhook_fails if {
	v := registered.violation with input as fixtures.objects({"ValidatingWebhookConfiguration": [vwc("gatekeeper-validating-webhook-configuration")]})
	v == {{
		"msg": `no admission webhook configuration matching "^fleetguard(-webhook)?$" is registered: policies are not enforced at admission`,
		"resource": {"kind": "Cluster", "name": "eu-prod"},
	}}
}

test_registered_webhook_passes if {
	count(registered.violation) == 0 with input as fixtures.objects({"ValidatingWebhookConfiguration": [vwc("fleetguard-webhook")]})
	count(registered.violation) == 0 with input as fixtures.objects({"MutatingWebhookConfiguration": [vwc("fleetguard")]})
}

test_unreadable_configurations_pass if {
	inp := fixtures.input_with({"cluster": {"missingKinds": ["ValidatingWebhookConfiguration"]}})
	count(registered.violation) == 0 with input as inp
}
