package fleetguard.cluster.rbac.dangling_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.dangling

test_missing_role_and_account_fail if {
	inp := fixtures.views({"rbac": {"dangling": [
		{"binding": fixtures.rb("shop", "old"), "reason": "role not found", "roleRef": {"kind": "Role", "namespace": "shop", "name": "gone-role"}},
		{"binding": fixtures.rb("shop", "db-reader"), "reason": "service account not found", "roleRef": {"kind": "Role", "namespace": "shop", "name": "db-reader"}, "subject": {"kind": "ServiceAccount", "name": "gone", "namespace": "shop"}},
	]}})
	v := dangling.violation with input as inp
	fixtures.messages(v) == {
		`RoleBinding "old" refers to Role "gone-role", which does not exist`,
		`RoleBinding "db-reader" refers to ServiceAccount shop/gone, which does not exist`,
	}
}

test_system_bindings_pass if {
	inp := fixtures.views({"rbac": {"dangling": [
		{"binding": fixtures.crb("system:controller:job-controller"), "reason": "service account not found", "roleRef": fixtures.cr("system:controller:job-controller"), "subject": {"kind": "ServiceAccount", "name": "job-controller", "namespace": "kube-system"}},
		{"binding": fixtures.crb("kcm-extra"), "reason": "service account not found", "roleRef": fixtures.cr("x"), "subject": {"kind": "ServiceAccount", "name": "gone", "namespace": "kube-system"}},
	]}})
	count(dangling.violation) == 0 with input as inp
}
