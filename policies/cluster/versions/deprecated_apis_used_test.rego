package fleetguard.cluster.versions.deprecated_apis_used_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.deprecated_apis_used

cronjob(api) := {"apiVersion": api, "kind": "CronJob", "metadata": {"name": "report", "namespace": "shop"}}

test_removed_version_fails if {
	v := deprecated_apis_used.violation with input as fixtures.objects({"CronJob": [cronjob("batch/v1beta1"), cronjob("batch/v1")]})
	fixtures.messages(v) == {"CronJob shop/report uses batch/v1beta1, removed in 1.25; use batch/v1"}
	fixtures.resources(v) == {{"apiVersion": "batch/v1beta1", "kind": "CronJob", "namespace": "shop", "name": "report"}}
}

test_deprecated_not_yet_removed_fails if {
	inp := fixtures.input_with({
		"snapshot": {"objects": {"FlowSchema": [{"apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "kind": "FlowSchema", "metadata": {"name": "probes"}}]}},
		"views": {"versions": {"server": {"gitVersion": "v1.30.1", "major": 1, "minor": 30, "patch": 1}}},
	})
	fixtures.messages(deprecated_apis_used.violation) == {"FlowSchema probes uses flowcontrol.apiserver.k8s.io/v1beta3, deprecated since 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1"} with input as inp
}

test_current_versions_pass if {
	count(deprecated_apis_used.violation) == 0 with input as fixtures.objects({"CronJob": [cronjob("batch/v1")]})
}
