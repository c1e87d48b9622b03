# METADATA
# title: Mixed container runtimes or OS images
# description: >-
#   Nodes of one cluster run different container runtimes or OS images.
#   Outside a rolling upgrade this means nodes that are patched, configured
#   and hardened differently, and workloads whose behaviour depends on where
#   they land. One finding for runtimes and one for OS images.
# custom:
#   id: FG-VER-004
#   severity: low
#   scope: cluster
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Finish the rollout so every node runs the same runtime version and OS
#     image, or label and taint the odd nodes as a deliberate separate pool.
package fleetguard.cluster.versions.mixed_nodes

import data.fleetguard.cluster.lib.k8s

values(usage) := concat("; ", [sprintf("%s on %s", [u.value, concat(", ", u.nodes)]) | some u in usage])

violation contains {
	"msg": sprintf("nodes run %d different container runtimes: %s", [count(input.views.versions.runtimes), values(input.views.versions.runtimes)]),
	"resource": k8s.cluster_resource,
	"details": {"runtimes": input.views.versions.runtimes},
} if {
	count(input.views.versions.runtimes) > 1
}

violation contains {
	"msg": sprintf("nodes run %d different OS images: %s", [count(input.views.versions.osImages), values(input.views.versions.osImages)]),
	"resource": k8s.cluster_resource,
	"details": {"osImages": input.views.versions.osImages},
} if {
	count(input.views.versions.osImages) > 1
}
