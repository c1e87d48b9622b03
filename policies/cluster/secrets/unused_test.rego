package fleetguard.cluster.secrets.unused_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.secrets.unused

test_unused_secret_fails if {
	inp := fixtures.views({"secrets": {"unused": [{"kind": "Secret", "namespace": "shop", "name": "old-backup"}, {"kind": "Secret", "namespace": "kube-system", "name": "x"}]}})
	v := unused.violation with input as inp
	v == {{
		"msg": `Secret shop/old-backup is referenced by no pod, workload, ServiceAccount or Ingress`,
		"resource": {"apiVersion": "v1", "kind": "Secret", "namespace": "shop", "name": "old-backup"},
	}}
}

test_incomplete_view_passes if {
	inp := fixtures.views({"secrets": {"complete": false, "unused": [{"kind": "Secret", "namespace": "shop", "name": "old-backup"}]}})
	count(unused.violation) == 0 with input as inp
}
