package fleetguard.cluster.rbac.cluster_admin_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.cluster_admin

admin(kind, name, ns, binding) := fixtures.subject(kind, name, ns, [fixtures.perm("wildcard", "*", "*", ["*"], binding, fixtures.cr("cluster-admin"))], [])

test_service_account_with_cluster_admin_fails if {
	v := cluster_admin.violation with input as fixtures.views({"rbac": {"subjects": [admin("ServiceAccount", "web", "shop", fixtures.crb("web-admin"))]}})
	v == {{
		"msg": `ClusterRoleBinding "web-admin" gives ServiceAccount shop/web cluster-admin rights: every verb on every resource, cluster-wide (role ClusterRole "cluster-admin")`,
		"resource": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "name": "web-admin"},
		"details": {"subject": "ServiceAccount:shop:web", "role": fixtures.cr("cluster-admin")},
	}}
}

test_namespace_admin_and_system_subjects_pass if {
	inp := fixtures.views({"rbac": {"subjects": [
		admin("User", "alice", "", fixtures.rb("shop", "admin")),
		admin("Group", "system:masters", "", fixtures.crb("cluster-admin")),
		admin("ServiceAccount", "operator", "kube-system", fixtures.crb("operator")),
	]}})
	count(cluster_admin.violation) == 0 with input as inp
}
