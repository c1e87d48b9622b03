package fleetguard.cluster.network.allow_all_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.network.allow_all

policy(ns, name, allow) := {"namespace": ns, "name": name, "policyTypes": ["Ingress", "Egress"], "defaultDenyIngress": false, "defaultDenyEgress": false, "selected": [], "allowAll": allow}

test_allow_all_rules_fail if {
	inp := fixtures.views({"network": {"policies": [policy("shop", "open", [
		{"direction": "ingress", "rule": 0, "peer": 1, "reason": "all namespaces", "ports": true},
		{"direction": "egress", "rule": 2, "peer": -1, "reason": "anyone (the rule names no peers)", "ports": false},
	])]}})
	v := allow_all.violation with input as inp
	fixtures.messages(v) == {
		`NetworkPolicy shop/open allows ingress from all namespaces on some ports (ingress rule 0 peer 1)`,
		`NetworkPolicy shop/open allows egress to anyone (the rule names no peers) on every port (egress rule 2)`,
	}
}

test_narrow_rules_pass if {
	inp := fixtures.views({"network": {"policies": [policy("shop", "web", []), policy("kube-system", "dns", [{"direction": "ingress", "rule": 0, "peer": -1, "reason": "anyone (the rule names no peers)", "ports": true}])]}})
	count(allow_all.violation) == 0 with input as inp
}
