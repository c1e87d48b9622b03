package fleetguard.object.pod.host_path_sensitive_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.host_path_sensitive

test_docker_socket_fails if {
	inp := fixtures.input_for(fixtures.pod({"containers": [fixtures.app], "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}]}))
	v := host_path_sensitive.violation with input as inp
	fixtures.messages(v) == {`volume "docker" mounts the container runtime socket (hostPath "/var/run/docker.sock")`}
}

test_runtime_sockets_and_their_directories_fail if {
	every path in ["/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/var/run/", "/run/containerd"] {
		inp := fixtures.input_for(fixtures.daemonset({"containers": [fixtures.app], "volumes": [{"name": "host", "hostPath": {"path": path}}]}))
		count(host_path_sensitive.violation) == 1 with input as inp
	}
}

test_host_root_fails_in_cronjob if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [fixtures.app], "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}))
	v := host_path_sensitive.violation with input as inp
	v == {{
		"msg": `volume "root" mounts the host's root filesystem (hostPath "/")`,
		"details": {"volume": "root", "hostPath": "/", "path": "spec.jobTemplate.spec.template.spec.volumes[0]"},
	}}
}

test_ordinary_host_path_passes if {
	inp := fixtures.input_for(fixtures.pod({"containers": [fixtures.app], "volumes": [
		{"name": "logs", "hostPath": {"path": "/var/log/pods"}},
		{"name": "runner", "hostPath": {"path": "/run/myapp"}},
		{"name": "cache", "emptyDir": {}},
	]}))
	count(host_path_sensitive.violation) == 0 with input as inp
}
