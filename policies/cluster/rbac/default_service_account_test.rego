package fleetguard.cluster.rbac.default_service_account_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.default_service_account

test_bound_default_account_fails if {
	s := fixtures.subject("ServiceAccount", "default", "shop", [], [fixtures.grant(["get"], [""], ["pods"], fixtures.rb("shop", "default-view"), fixtures.cr("view"))])
	v := default_service_account.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	fixtures.messages(v) == {`RoleBinding "default-view" binds the default service account of namespace "shop" to ClusterRole "view"`}
}

test_group_grants_and_system_namespaces_pass if {
	g := object.union(fixtures.grant(["get"], [""], ["pods"], fixtures.crb("all-sa"), fixtures.cr("view")), {"via": "system:serviceaccounts"})
	inp := fixtures.views({"rbac": {"subjects": [
		fixtures.subject("ServiceAccount", "default", "shop", [], [g]),
		fixtures.subject("ServiceAccount", "default", "kube-system", [], [fixtures.grant(["get"], [""], ["pods"], fixtures.crb("x"), fixtures.cr("view"))]),
		fixtures.subject("ServiceAccount", "web", "shop", [], [fixtures.grant(["get"], [""], ["pods"], fixtures.crb("y"), fixtures.cr("view"))]),
	]}})
	count(default_service_account.violation) == 0 with input as inp
}
