package fleetguard.fleet.webhook_drift_test

import data.fleetguard.fleet.lib.fixtures
import data.fleetguard.fleet.webhook_drift

hook(policy, timeout) := {"kind": "ValidatingWebhookConfiguration", "configuration": "fleetguard-webhook", "webhooks": {"validate.fleetguard.dev": {"failurePolicy": policy, "timeoutSeconds": timeout, "rules": [], "namespaceSelector": {}}}}

test_differently_configured_cluster_fails if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"ourWebhook": hook("Fail", 5)}),
		fixtures.cluster("b", "production", {"ourWebhook": hook("Fail", 5)}),
		fixtures.cluster("c", "dev", {"ourWebhook": hook("Ignore", 30)}),
		fixtures.cluster("d", "dev", {}),
	])
	v := webhook_drift.violation with input as inp
	fixtures.messages(v) == {`Fleetguard's admission webhook "fleetguard-webhook" in cluster c is configured differently from a, b (validate.fleetguard.dev failurePolicy; validate.fleetguard.dev timeoutSeconds)`}
	fixtures.clusters(v) == {"c"}
}

test_identical_configurations_pass if {
	inp := fixtures.fleet([fixtures.cluster("a", "production", {"ourWebhook": hook("Fail", 5)}), fixtures.cluster("b", "dev", {"ourWebhook": hook("Fail", 5)})])
	count(webhook_drift.violation) == 0 with input as inp
}
