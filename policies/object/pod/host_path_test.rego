package fleetguard.object.pod.host_path_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.host_path

test_statefulset_host_path_fails_naming_path_and_container if {
	inp := fixtures.input_for(fixtures.statefulset({
		"containers": [object.union(fixtures.app, {"volumeMounts": [{"name": "data", "mountPath": "/data"}]})],
		"volumes": [{"name": "data", "hostPath": {"path": "/mnt/disks/ssd0", "type": "Directory"}}],
	}))
	v := host_path.violation with input as inp
	fixtures.messages(v) == {`volume "data" mounts host path "/mnt/disks/ssd0" into "app"`}
	some f in v
	f.details.path == "spec.template.spec.volumes[0]"
	f.details.containers == ["app"]
}

test_unmounted_host_path_still_fails if {
	inp := fixtures.input_for(fixtures.pod({"containers": [fixtures.app], "volumes": [
		{"name": "cache", "emptyDir": {}},
		{"name": "logs", "hostPath": {"path": "/var/log"}},
	]}))
	v := host_path.violation with input as inp
	fixtures.messages(v) == {`volume "logs" mounts host path "/var/log"`}
}

test_other_volumes_pass if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app], "volumes": [
		{"name": "cache", "emptyDir": {}},
		{"name": "config", "configMap": {"name": "web"}},
		{"name": "data", "persistentVolumeClaim": {"claimName": "web"}},
	]}))
	count(host_path.violation) == 0 with input as inp
}
