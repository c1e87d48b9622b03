package fleetguard.cluster.network.uncovered_pods_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.network.uncovered_pods

pod(kind, ns, name, selected, controlled) := {"kind": kind, "namespace": ns, "name": name, "controlled": controlled, "labels": {"app": name}, "ingress": [], "egress": [], "selected": selected}

namespaces := [
	{"name": "shop", "policies": ["web"], "defaultDenyIngress": false, "defaultDenyEgress": false, "pods": 3, "uncovered": 2},
	{"name": "open", "policies": [], "defaultDenyIngress": false, "defaultDenyEgress": false, "pods": 1, "uncovered": 1},
]

test_unselected_workload_fails if {
	inp := fixtures.views({"network": {"namespaces": namespaces, "pods": [
		pod("Deployment", "shop", "api", false, false),
		pod("Pod", "shop", "api-123", false, true),
		pod("Deployment", "shop", "web", true, false),
		pod("Deployment", "open", "x", false, false),
	]}})
	v := uncovered_pods.violation with input as inp
	v == {{
		"msg": `Deployment shop/api is selected by no NetworkPolicy of namespace "shop"`,
		"resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "api"},
		"details": {"labels": {"app": "api"}},
	}}
}

test_selected_pods_pass if {
	inp := fixtures.views({"network": {"namespaces": namespaces, "pods": [pod("CronJob", "shop", "report", true, false)]}})
	count(uncovered_pods.violation) == 0 with input as inp
}
