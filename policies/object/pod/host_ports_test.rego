package fleetguard.object.pod.host_ports_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.pod.host_ports

test_host_port_fails if {
	inp := fixtures.input_for(fixtures.daemonset({"containers": [object.union(fixtures.app, {"ports": [{"containerPort": 9100}, {"containerPort": 8080, "hostPort": 80}]})]}))
	v := host_ports.violation with input as inp
	v == {{"msg": `container "app" binds host port 80 (container port 8080)`, "details": {"container": "app", "hostPort": 80, "path": "spec.template.spec.containers[0].ports[1]"}}}
}

test_zero_host_port_passes if {
	inp := fixtures.input_for(fixtures.pod({"containers": [object.union(fixtures.app, {"ports": [{"containerPort": 8080, "hostPort": 0}]})]}))
	count(host_ports.violation) == 0 with input as inp
}

test_container_ports_only_pass if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [object.union(fixtures.app, {"ports": [{"containerPort": 8080, "name": "http"}]})]}))
	count(host_ports.violation) == 0 with input as inp
}
