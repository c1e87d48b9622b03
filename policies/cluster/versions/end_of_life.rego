# METADATA
# title: Kubernetes version past end of life
# description: >-
#   The API server runs a Kubernetes minor version whose upstream support has
#   ended: security fixes are no longer released for it. End-of-life dates
#   come from the bundle's data table (data.kubernetes.releases), with its
#   source and date; minors older than the table are past end of life too.
# custom:
#   id: FG-VER-001
#   severity: high
#   scope: cluster
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Upgrade the control plane, then the nodes, one minor at a time, to a
#     supported Kubernetes minor.
package fleetguard.cluster.versions.end_of_life

import data.fleetguard.cluster.lib.k8s
import data.fleetguard.cluster.versions.support

violation contains {
	"msg": sprintf("the API server runs Kubernetes %s, which reached end of life on %s%s", [v.gitVersion, support.eol_date, support.approximate]),
	"resource": k8s.cluster_resource,
	"details": {"version": v.gitVersion, "endOfLife": support.eol_date},
} if {
	v := input.views.versions.server
	support.eol_ns <= support.now_ns
}

violation contains {
	"msg": sprintf("the API server runs Kubernetes %s, older than every minor in the release table (oldest %s): it is past end of life", [v.gitVersion, support.oldest]),
	"resource": k8s.cluster_resource,
	"details": {"version": v.gitVersion},
} if {
	v := input.views.versions.server
	support.older_than_table
}
