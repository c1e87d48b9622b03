package fleetguard.cluster.rbac.anonymous_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.rbac.anonymous

public := object.union(fixtures.grant(["get"], [], [], fixtures.crb("system:public-info-viewer"), fixtures.cr("system:public-info-viewer")), {"nonResourceURLs": ["/healthz", "/version"]})

test_anonymous_reader_fails if {
	s := fixtures.subject("User", "system:anonymous", "", [], [public, fixtures.grant(["get", "list"], [""], ["pods"], fixtures.crb("anon-view"), fixtures.cr("view"))])
	v := anonymous.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	fixtures.messages(v) == {`ClusterRoleBinding "anon-view" grants User "system:anonymous", which needs no credentials, 1 rule(s) cluster-wide (role ClusterRole "view")`}
}

test_unauthenticated_group_in_namespace_fails if {
	s := fixtures.subject("Group", "system:unauthenticated", "", [], [fixtures.grant(["get"], [""], ["configmaps"], fixtures.rb("web", "open"), {"kind": "Role", "namespace": "web", "name": "cm"})])
	v := anonymous.violation with input as fixtures.views({"rbac": {"subjects": [s]}})
	fixtures.resources(v) == {{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "namespace": "web", "name": "open"}}
}

test_public_info_only_passes if {
	s := fixtures.subject("Group", "system:unauthenticated", "", [], [public])
	count(anonymous.violation) == 0 with input as fixtures.views({"rbac": {"subjects": [s]}})
}
