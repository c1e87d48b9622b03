package fleetguard.cluster.network.default_deny_egress_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.network.default_deny_egress

ns(name, policies, deny) := {"name": name, "policies": policies, "defaultDenyIngress": deny, "defaultDenyEgress": deny, "pods": 1, "uncovered": 0}

test_policies_without_default_deny_fail if {
	v := default_deny_egress.violation with input as fixtures.views({"network": {"namespaces": [ns("shop", ["web", "db"], false)]}})
	fixtures.messages(v) == {`namespace "shop" has NetworkPolicies (web, db) but none denies all egress by default`}
}

test_default_deny_and_no_policies_pass if {
	inp := fixtures.views({"network": {"namespaces": [ns("shop", ["deny"], true), ns("empty", [], false), ns("kube-system", ["x"], false)]}})
	count(default_deny_egress.violation) == 0 with input as inp
}
