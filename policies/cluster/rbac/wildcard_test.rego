package fleetguard.cluster.rbac.wildcard_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.wildcard

test_wildcard_verbs_in_namespace_fail if {
	s := fixtures.subject("User", "bob", "", [], [fixtures.grant(["*"], [""], ["pods"], fixtures.rb("shop", "bob"), {"kind": "Role", "namespace": "shop", "name": "pods-all"})])
	v := wildcard.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	fixtures.messages(v) == {`RoleBinding "bob" gives User "bob" wildcard rules in namespace "shop" (verbs * on pods; role Role "pods-all")`}
}

test_cluster_admin_is_left_to_fg_rbac_101 if {
	b := fixtures.crb("web-admin")
	s := fixtures.subject("ServiceAccount", "web", "shop", [fixtures.perm("wildcard", "*", "*", ["*"], b, fixtures.cr("cluster-admin"))], [fixtures.grant(["*"], ["*"], ["*"], b, fixtures.cr("cluster-admin"))])
	count(wildcard.violation) == 0 with input as fixtures.views({"rbac": {"subjects": [s]}})
}

test_explicit_rules_pass if {
	s := fixtures.subject("User", "bob", "", [], [fixtures.grant(["get", "list"], ["apps"], ["deployments"], fixtures.crb("bob"), fixtures.cr("viewer"))])
	count(wildcard.violation) == 0 with input as fixtures.views({"rbac": {"subjects": [s]}})
}
