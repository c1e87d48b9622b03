package fleetguard.cluster.secrets.token_automount_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.secrets.token_automount

workload(kind, ns, name, sa, mount) := {"kind": kind, "namespace": ns, "name": name, "controlled": false, "serviceAccountName": sa, "automountServiceAccountToken": mount}

basic := object.union(fixtures.grant(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews"], fixtures.crb("system:basic-user"), fixtures.cr("system:basic-user")), {"via": "system:authenticated"})

subjects := [
	fixtures.subject("ServiceAccount", "default", "shop", [], [basic]),
	fixtures.subject("ServiceAccount", "api", "shop", [], [fixtures.grant(["get"], [""], ["configmaps"], fixtures.rb("shop", "api"), fixtures.cr("cm-reader"))]),
]

test_token_without_rbac_fails if {
	inp := fixtures.input_with({"workloads": [workload("Deployment", "shop", "web", "default", true), workload("Deployment", "shop", "api", "api", true)], "views": {"rbac": {"subjects": subjects}}})
	v := token_automount.violation with input as inp
	v == {{
		"msg": `Deployment shop/web mounts the token of service account "default", which is bound to no role`,
		"resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"},
		"details": {"serviceAccountName": "default"},
	}}
}

test_unmounted_and_system_pass if {
	inp := fixtures.input_with({"workloads": [workload("Job", "shop", "batch", "default", false), workload("DaemonSet", "kube-system", "proxy", "default", true)], "views": {"rbac": {"subjects": subjects}}})
	count(token_automount.violation) == 0 with input as inp
}

# A pod owned by a controller is reported through its owner, not itself.
test_controlled_workload_passes if {
	w := object.union(workload("Pod", "shop", "web-abc12", "default", true), {"controlled": true})
	inp := fixtures.input_with({"workloads": [w], "views": {"rbac": {"subjects": subjects}}})
	count(token_automount.violation) == 0 with input as inp
}
