package fleetguard.cluster.secrets.legacy_token_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.secrets.legacy_token

secret(ns, name, type) := {"namespace": ns, "name": name, "type": type, "references": 0, "exposed": false, "readers": []}

test_token_secret_fails if {
	inp := fixtures.views({"secrets": {"secrets": [secret("ci", "deployer-token", "kubernetes.io/service-account-token"), secret("ci", "db", "Opaque")]}})
	v := legacy_token.violation with input as inp
	fixtures.messages(v) == {`Secret ci/deployer-token holds a long-lived service account token`}
}

test_system_namespace_passes if {
	inp := fixtures.views({"secrets": {"secrets": [secret("kube-system", "old-token", "kubernetes.io/service-account-token")]}})
	count(legacy_token.violation) == 0 with input as inp
}
