package fleetguard.cluster.podsecurity.enforce_label_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.podsecurity.enforce_label

ns(name, labels) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}

test_unlabelled_namespace_fails if {
	inp := fixtures.objects({"Namespace": [ns("shop", {"pod-security.kubernetes.io/warn": "restricted"}), ns("web", {"pod-security.kubernetes.io/enforce": "baseline"})]})
	v := enforce_label.violation with input as inp
	v == {{
		"msg": `namespace "shop" has no pod-security.kubernetes.io/enforce label: Pod Security Admission admits any pod`,
		"resource": {"apiVersion": "v1", "kind": "Namespace", "name": "shop"},
	}}
}

test_labelled_and_system_namespaces_pass if {
	inp := fixtures.objects({"Namespace": [ns("kube-system", {}), ns("web", {"pod-security.kubernetes.io/enforce": "restricted"})]})
	count(enforce_label.violation) == 0 with input as inp
}
