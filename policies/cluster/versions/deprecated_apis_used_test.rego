package fleetguard.cluster.versions.deprecated_apis_used_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.deprecated_apis_used

cronjob(api) := {"apiVersion": api, "kind": "CronJob", "namespace": "shop", "name": "report"}

# uses(refs) is the apiVersions view of refs.
uses(refs) := {"versions": {"apiVersions": {api: {kind: [r | some r in refs; r.apiVersion == api; r.kind == kind] |
	some x in refs
	x.apiVersion == api
	kind := x.kind
} |
	some y in refs
	api := y.apiVersion
}}}

test_removed_version_fails if {
	v := deprecated_apis_used.violation with input as fixtures.views(uses([cronjob("batch/v1beta1"), cronjob("batch/v1")]))
	fixtures.messages(v) == {"CronJob shop/report uses batch/v1beta1, removed in 1.25; use batch/v1"}
	fixtures.resources(v) == {{"apiVersion": "batch/v1beta1", "kind": "CronJob", "namespace": "shop", "name": "report"}}
}

test_deprecated_not_yet_removed_fails if {
	inp := fixtures.views(object.union(uses([{"apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "kind": "FlowSchema", "name": "probes"}]), {"versions": {"server": {"gitVersion": "v1.30.1", "major": 1, "minor": 30, "patch": 1}}}))
	fixtures.messages(deprecated_apis_used.violation) == {"FlowSchema probes uses flowcontrol.apiserver.k8s.io/v1beta3, deprecated since 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1"} with input as inp
}

test_current_versions_pass if {
	count(deprecated_apis_used.violation) == 0 with input as fixtures.views(uses([cronjob("batch/v1")]))
}

# A kind stored at an apiVersion deprecated for another kind is not reported.
test_other_kinds_at_a_deprecated_version_pass if {
	count(deprecated_apis_used.violation) == 0 with input as fixtures.views(uses([{"apiVersion": "batch/v1beta1", "kind": "Job", "namespace": "shop", "name": "x"}]))
}
