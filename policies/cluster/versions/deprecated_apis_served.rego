# METADATA
# title: Deprecated API versions served
# description: >-
#   The API server still serves an API version that is deprecated at its
#   Kubernetes minor (data.kubernetes.apis). Clients and manifests that use
#   it break when the cluster is upgraded to the minor that removes it. One
#   finding per served group/version and kind.
# custom:
#   id: FG-VER-005
#   severity: low
#   scope: cluster
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Move clients, manifests and charts to the replacement version before
#     upgrading, then upgrade to a minor that no longer serves it.
package fleetguard.cluster.versions.deprecated_apis_served

import data.fleetguard.cluster.lib.k8s
import data.kubernetes.apis

group_version(gv) := ["", gv] if not contains(gv, "/")

group_version(gv) := split(gv, "/") if contains(gv, "/")

violation contains {
	"msg": sprintf("the API server serves %s %s, deprecated since %s and removed in %s; use %s", [gv.groupVersion, d.kind, d.deprecatedIn, d.removedIn, d.replacement]),
	"resource": {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "name": sprintf("%s.%s", [d.version, d.group])},
	"details": {"groupVersion": gv.groupVersion, "kind": d.kind, "deprecatedIn": d.deprecatedIn, "removedIn": d.removedIn, "replacement": d.replacement},
} if {
	some gv in input.snapshot.apis
	[group, version] := group_version(gv.groupVersion)
	some r in gv.resources
	not contains(r.name, "/")
	some d in apis.deprecated
	d.group == group
	d.version == version
	d.kind == r.kind
	k8s.minor(d.deprecatedIn) <= input.views.versions.server.minor
}
