package fleetguard.cluster.network.no_policy_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.network.no_policy

ns(name, policies) := {"name": name, "policies": policies, "defaultDenyIngress": false, "defaultDenyEgress": false, "pods": 2, "uncovered": 2}

test_namespace_without_policy_fails if {
	v := no_policy.violation with input as fixtures.views({"network": {"namespaces": [ns("shop", []), ns("web", ["allow-web"])]}})
	v == {{
		"msg": `namespace "shop" has no NetworkPolicy: all its pods accept and send any traffic`,
		"resource": {"apiVersion": "v1", "kind": "Namespace", "name": "shop"},
		"details": {"pods": 2},
	}}
}

test_system_namespaces_pass if {
	count(no_policy.violation) == 0 with input as fixtures.views({"network": {"namespaces": [ns("kube-system", [])]}})
}
