package fleetguard.cluster.rbac.escalation_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.escalation

held(kind, sname, ns, binding, extra) := fixtures.subject(kind, sname, ns, [object.union(fixtures.perm("impersonate", "", "users", ["impersonate"], binding, fixtures.cr("deployer")), extra)], [])

two_perms(kind, sname, binding) := fixtures.subject(
	kind, sname, "", array.concat(
		held(kind, sname, "", binding, {}).sensitive,
		held(kind, sname, "", binding, {"verbs": ["watch"]}).sensitive,
	),
	[],
)

test_service_account_cluster_wide_fails if {
	inp := fixtures.views({"rbac": {"subjects": [held("ServiceAccount", "ci", "shop", fixtures.crb("ci"), {})]}})
	v := escalation.violation with input as inp
	v == {{
		"msg": `ClusterRoleBinding "ci" lets ServiceAccount shop/ci impersonate users cluster-wide (role ClusterRole "deployer")`,
		"resource": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "name": "ci"},
		"details": {
			"subject": "ServiceAccount:shop:ci", "role": fixtures.cr("deployer"), "scope": "cluster",
			"permissions": {"impersonate"}, "verbs": {v | some v in ["impersonate"]}, "resources": {"users"}, "resourceNames": set(),
		},
	}}
}

test_user_in_namespace_fails_once_per_binding if {
	inp := fixtures.views({"rbac": {"subjects": [
		two_perms("User", "alice", fixtures.rb("shop", "dev")),
		held("Group", "ops", "", fixtures.rb("web", "ops"), {"resourceNames": ["one"]}),
	]}})
	v := escalation.violation with input as inp
	count(v) == 2
	{f.resource.name | some f in v} == {"dev", "ops"}
	some f in v
	f.resource.name == "ops"
	contains(f.msg, `Group "ops"`)
	contains(f.msg, `named one in namespace "web"`)
}

test_system_subjects_and_group_grants_pass if {
	inp := fixtures.views({"rbac": {"subjects": [
		held("User", "system:kube-controller-manager", "", fixtures.crb("system:kcm"), {}),
		held("Group", "system:masters", "", fixtures.crb("cluster-admin"), {}),
		held("ServiceAccount", "replicaset-controller", "kube-system", fixtures.crb("system:controller:rs"), {}),
		held("ServiceAccount", "web", "shop", fixtures.crb("via-group"), {"via": "system:serviceaccounts"}),
		fixtures.subject("User", "bob", "", [fixtures.perm("wildcard-none", "", "pods", ["get"], fixtures.crb("x"), fixtures.cr("x"))], []),
	]}})
	count(escalation.violation) == 0 with input as inp
}
