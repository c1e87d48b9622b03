package fleetguard.cluster.rbac.broad_groups_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.broad_groups

test_secrets_to_authenticated_fail if {
	s := fixtures.subject("Group", "system:authenticated", "", [fixtures.perm("read-secrets", "", "secrets", ["get"], fixtures.crb("all-secrets"), fixtures.cr("secret-reader"))], [])
	v := broad_groups.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	fixtures.messages(v) == {`ClusterRoleBinding "all-secrets" grants sensitive permissions (read-secrets) to Group "system:authenticated" cluster-wide (role ClusterRole "secret-reader")`}
}

test_namespace_service_accounts_fail if {
	s := fixtures.subject("Group", "system:serviceaccounts:shop", "", [fixtures.perm("pods-exec", "", "pods/exec", ["create"], fixtures.rb("shop", "debug"), fixtures.cr("debug"))], [])
	v := broad_groups.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	count(v) == 1
}

test_other_groups_pass if {
	s := fixtures.subject("Group", "sre", "", [fixtures.perm("read-secrets", "", "secrets", ["get"], fixtures.crb("sre"), fixtures.cr("secret-reader"))], [])
	count(broad_groups.violation) == 0 with input as fixtures.views({"rbac": {"subjects": [s]}})
}
