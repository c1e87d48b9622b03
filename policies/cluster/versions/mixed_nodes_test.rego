package fleetguard.cluster.versions.mixed_nodes_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.versions.mixed_nodes

test_mixed_runtimes_fail if {
	inp := fixtures.views({"versions": {"runtimes": [{"value": "containerd://2.1.0", "nodes": ["a", "b"]}, {"value": "cri-o://1.32.0", "nodes": ["c"]}], "osImages": [{"value": "Ubuntu 24.04", "nodes": ["a", "b", "c"]}]}})
	v := mixed_nodes.violation with input as inp
	fixtures.messages(v) == {"nodes run 2 different container runtimes: containerd://2.1.0 on a, b; cri-o://1.32.0 on c"}
}

test_mixed_os_images_fail if {
	inp := fixtures.views({"versions": {"osImages": [{"value": "Debian GNU/Linux 13", "nodes": ["a"]}, {"value": "Ubuntu 24.04", "nodes": ["b"]}]}})
	fixtures.messages(mixed_nodes.violation) == {"nodes run 2 different OS images: Debian GNU/Linux 13 on a; Ubuntu 24.04 on b"} with input as inp
}

test_uniform_nodes_pass if {
	inp := fixtures.views({"versions": {"runtimes": [{"value": "containerd://2.1.0", "nodes": ["a", "b"]}], "osImages": [{"value": "Ubuntu 24.04", "nodes": ["a", "b"]}]}})
	count(mixed_nodes.violation) == 0 with input as inp
}
