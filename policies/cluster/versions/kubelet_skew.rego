# METADATA
# title: Kubelet version skew outside the supported policy
# description: >-
#   A kubelet may be up to three minor versions older than the API server and
#   never newer (data.kubernetes.skew). Outside that range the combination is
#   untested and unsupported, and an old kubelet misses the fixes of the
#   releases between them.
# custom:
#   id: FG-VER-003
#   severity: high
#   scope: cluster
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Upgrade (or replace) the node so that its kubelet is at most three
#     minors behind the API server; upgrade the control plane before the
#     nodes.
package fleetguard.cluster.versions.kubelet_skew

import data.kubernetes.skew

node_resource(n) := {"apiVersion": "v1", "kind": "Node", "name": n.name}

violation contains {
	"msg": sprintf("node %s runs kubelet %s, %d minors older than the API server (%s); at most %d are supported", [n.name, n.kubelet.gitVersion, n.skew, input.views.versions.server.gitVersion, skew.kubelet.maxOlderMinors]),
	"resource": node_resource(n),
	"details": {"kubelet": n.kubelet.gitVersion, "server": input.views.versions.server.gitVersion, "skew": n.skew},
} if {
	some n in input.views.versions.nodes
	n.kubelet != null
	n.skew > skew.kubelet.maxOlderMinors
}

violation contains {
	"msg": sprintf("node %s runs kubelet %s, newer than the API server (%s); a kubelet must never be newer", [n.name, n.kubelet.gitVersion, input.views.versions.server.gitVersion]),
	"resource": node_resource(n),
	"details": {"kubelet": n.kubelet.gitVersion, "server": input.views.versions.server.gitVersion, "skew": n.skew},
} if {
	some n in input.views.versions.nodes
	n.kubelet != null
	0 - n.skew > skew.kubelet.maxNewerMinors
}
