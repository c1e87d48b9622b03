package fleetguard.object.pod.volume_types_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.volume_types

test_inline_nfs_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app], "volumes": [
		{"name": "config", "configMap": {"name": "web"}},
		{"name": "shared", "nfs": {"server": "nfs.example.com", "path": "/exports/shop"}},
	]}))
	v := volume_types.violation with input as inp
	v == {{
		"msg": `volume "shared" has type nfs, which the restricted profile does not allow`,
		"details": {"volume": "shared", "type": "nfs", "path": "spec.template.spec.volumes[1]"},
	}}
}

test_allowed_types_pass if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [fixtures.app], "volumes": [
		{"name": "a", "configMap": {"name": "web"}},
		{"name": "b", "secret": {"secretName": "web"}},
		{"name": "c", "emptyDir": {"medium": "Memory"}},
		{"name": "d", "projected": {"sources": []}},
		{"name": "e", "downwardAPI": {"items": []}},
		{"name": "f", "persistentVolumeClaim": {"claimName": "web"}},
		{"name": "g", "csi": {"driver": "secrets-store.csi.k8s.io"}},
		{"name": "h", "ephemeral": {"volumeClaimTemplate": {}}},
	]}))
	count(volume_types.violation) == 0 with input as inp
}

test_host_path_is_left_to_its_own_policy if {
	inp := fixtures.input_for(fixtures.pod({"containers": [fixtures.app], "volumes": [
		{"name": "logs", "hostPath": {"path": "/var/log"}},
		{"name": "disk", "awsElasticBlockStore": {"volumeID": "vol-0123"}},
	]}))
	v := volume_types.violation with input as inp
	fixtures.messages(v) == {`volume "disk" has type awsElasticBlockStore, which the restricted profile does not allow`}
}
