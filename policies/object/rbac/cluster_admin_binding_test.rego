package fleetguard.object.rbac.cluster_admin_binding_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.rbac.cluster_admin_binding

binding(kind, role, subjects) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
	"metadata": {"name": "ops", "namespace": "shop"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
	"subjects": subjects,
}

test_user_bound_to_cluster_admin_fails if {
	inp := fixtures.input_for(binding("ClusterRoleBinding", "cluster-admin", [
		{"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"},
		{"kind": "User", "name": "alice@example.com", "apiGroup": "rbac.authorization.k8s.io"},
	]))
	v := cluster_admin_binding.violation with input as inp
	v == {{
		"msg": `ClusterRoleBinding "ops" grants cluster-admin to User "alice@example.com"`,
		"details": {"subject": {"kind": "User", "name": "alice@example.com", "apiGroup": "rbac.authorization.k8s.io"}, "path": "subjects[1]"},
	}}
}

test_service_account_in_role_binding_fails if {
	inp := fixtures.input_for(binding("RoleBinding", "cluster-admin", [{"kind": "ServiceAccount", "name": "ci", "namespace": "shop"}]))
	v := cluster_admin_binding.violation with input as inp
	fixtures.messages(v) == {`RoleBinding "ops" grants cluster-admin to ServiceAccount shop/ci in namespace "shop"`}
}

test_system_subjects_and_other_roles_pass if {
	count(cluster_admin_binding.violation) == 0 with input as fixtures.input_for(binding("ClusterRoleBinding", "cluster-admin", [{"kind": "Group", "name": "system:masters"}]))
	count(cluster_admin_binding.violation) == 0 with input as fixtures.input_for(binding("ClusterRoleBinding", "view", [{"kind": "User", "name": "alice@example.com"}]))
}
