package fleetguard.cluster.network.selects_nothing_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.network.selects_nothing

policy(name, selected, err) := {"namespace": "shop", "name": name, "policyTypes": ["Ingress"], "defaultDenyIngress": false, "defaultDenyEgress": false, "selected": selected, "allowAll": [], "error": err}

test_policies_selecting_nothing_fail if {
	inp := fixtures.views({"network": {"policies": [policy("typo", [], ""), policy("broken", [], "invalid operator")]}})
	v := selects_nothing.violation with input as inp
	fixtures.messages(v) == {
		`NetworkPolicy shop/typo selects no pods: no pod or workload in the namespace matches its podSelector`,
		`NetworkPolicy shop/broken selects no pods: its podSelector is invalid (invalid operator)`,
	}
}

test_selecting_policy_passes if {
	inp := fixtures.views({"network": {"policies": [policy("web", [{"kind": "Deployment", "namespace": "shop", "name": "web"}], "")]}})
	count(selects_nothing.violation) == 0 with input as inp
}
