package fleetguard.cluster.versions.kubelet_skew_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.kubelet_skew

node(name, minor) := {"name": name, "kubelet": {"gitVersion": sprintf("v1.%d.1", [minor]), "major": 1, "minor": minor, "patch": 1}, "skew": 36 - minor}

test_too_old_and_newer_kubelets_fail if {
	v := kubelet_skew.violation with input as fixtures.views({"versions": {"nodes": [node("old", 32), node("new", 37), node("ok", 33)]}})
	fixtures.messages(v) == {
		"node old runs kubelet v1.32.1, 4 minors older than the API server (v1.36.3); at most 3 are supported",
		"node new runs kubelet v1.37.1, newer than the API server (v1.36.3); a kubelet must never be newer",
	}
	fixtures.resources(v) == {{"apiVersion": "v1", "kind": "Node", "name": "old"}, {"apiVersion": "v1", "kind": "Node", "name": "new"}}
}

test_supported_skew_and_unknown_pass if {
	inp := fixtures.views({"versions": {"nodes": [node("a", 36), node("b", 33), {"name": "c", "kubelet": null, "skew": 0}]}})
	count(kubelet_skew.violation) == 0 with input as inp
}
