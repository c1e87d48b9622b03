package fleetguard.cluster.secrets.missing_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.secrets.missing

ref := {"namespace": "shop", "secret": "registry", "from": {"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "shop", "name": "web"}, "via": "serviceAccount.imagePullSecrets", "path": "imagePullSecrets[0]", "optional": false, "controlled": false}

test_missing_secret_fails if {
	v := missing.violation with input as fixtures.views({"secrets": {"missing": [ref]}})
	fixtures.messages(v) == {`ServiceAccount shop/web refers to Secret "registry" through serviceAccount.imagePullSecrets at imagePullSecrets[0], and that Secret does not exist in namespace "shop"`}
	fixtures.resources(v) == {{"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "shop", "name": "web"}}
}

test_incomplete_view_passes if {
	count(missing.violation) == 0 with input as fixtures.views({"secrets": {"complete": false, "missing": [ref]}})
}

test_controlled_reference_passes if {
	count(missing.violation) == 0 with input as fixtures.views({"secrets": {"missing": [object.union(ref, {"controlled": true})]}})
}
