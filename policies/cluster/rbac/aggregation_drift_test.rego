package fleetguard.cluster.rbac.aggregation_drift_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.aggregation_drift

rule := {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": [], "nonResourceURLs": []}

bootstrap_admin := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}}}

test_drifted_role_fails if {
	inp := fixtures.views({"rbac": {"drift": [{"name": "monitoring", "missing": [rule], "extra": []}]}})
	v := aggregation_drift.violation with input as inp
	fixtures.messages(v) == {`aggregated ClusterRole "monitoring" differs from the roles it aggregates: 1 rule(s) missing, 0 extra`}
}

test_bootstrap_role_with_extra_rules_fails if {
	inp := fixtures.input_with({"views": {"rbac": {"drift": [{"name": "admin", "missing": [], "extra": [rule]}]}}, "snapshot": {"objects": {"ClusterRole": [bootstrap_admin]}}})
	count(aggregation_drift.violation) == 1 with input as inp
}

test_bootstrap_role_missing_rules_passes if {
	inp := fixtures.input_with({"views": {"rbac": {"drift": [{"name": "admin", "missing": [rule], "extra": []}]}}, "snapshot": {"objects": {"ClusterRole": [bootstrap_admin]}}})
	count(aggregation_drift.violation) == 0 with input as inp
}
