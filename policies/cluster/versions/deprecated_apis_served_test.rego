package fleetguard.cluster.versions.deprecated_apis_served_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.deprecated_apis_served

apis := [{"groupVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "resources": [
	{"name": "flowschemas", "kind": "FlowSchema", "namespaced": false},
	{"name": "flowschemas/status", "kind": "FlowSchema", "namespaced": false},
]}]

on(minor) := fixtures.input_with({"snapshot": {"apis": apis}, "views": {"versions": {"server": {"gitVersion": sprintf("v1.%d.0", [minor]), "major": 1, "minor": minor, "patch": 0}}}})

test_deprecated_version_served_fails if {
	v := deprecated_apis_served.violation with input as on(31)
	fixtures.messages(v) == {"the API server serves flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema, deprecated since 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1"}
	fixtures.resources(v) == {{"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "name": "v1beta3.flowcontrol.apiserver.k8s.io"}}
}

test_not_yet_deprecated_passes if {
	count(deprecated_apis_served.violation) == 0 with input as on(28)
}

test_current_versions_pass if {
	inp := fixtures.input_with({"snapshot": {"apis": [{"groupVersion": "v1", "resources": [{"name": "pods", "kind": "Pod", "namespaced": true}]}]}})
	count(deprecated_apis_served.violation) == 0 with input as inp
}
