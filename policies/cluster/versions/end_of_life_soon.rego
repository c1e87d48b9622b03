# METADATA
# title: Kubernetes version within 90 days of end of life
# description: >-
#   The API server's Kubernetes minor reaches its upstream end of life within
#   90 days of the audit. Upgrades take planning; start before support ends.
# custom:
#   id: FG-VER-002
#   severity: medium
#   scope: cluster
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Plan the upgrade to the next supported minor now, control plane first,
#     then nodes.
package fleetguard.cluster.versions.end_of_life_soon

import data.fleetguard.cluster.lib.k8s
import data.fleetguard.cluster.versions.support

window_ns := ((90 * 24) * 3600) * 1000000000

violation contains {
	# The day count lives in details: a message that changed every day would
	# make the finding look new in every audit's diff.
	"msg": sprintf("the API server runs Kubernetes %s, which reaches end of life on %s%s, within 90 days", [v.gitVersion, support.eol_date, support.approximate]),
	"resource": k8s.cluster_resource,
	"details": {"version": v.gitVersion, "endOfLife": support.eol_date, "days": days},
} if {
	v := input.views.versions.server
	support.eol_ns > support.now_ns
	support.eol_ns - support.now_ns <= window_ns
	days := ceil((support.eol_ns - support.now_ns) / ((24 * 3600) * 1000000000))
}
