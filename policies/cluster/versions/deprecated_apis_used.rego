# METADATA
# title: Objects stored through deprecated or removed API versions
# description: >-
#   An object in the snapshot carries an apiVersion that is deprecated, or
#   already removed, for its kind (data.kubernetes.apis; objects by
#   apiVersion and kind are in input.views.versions.apiVersions). Snapshots keep the
#   version the object was read through, so this finds objects read from
#   manifests or through old versions; objects read through the preferred
#   version are not affected.
# custom:
#   id: FG-VER-006
#   severity: medium
#   scope: cluster
#   kinds: ["*"]
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Rewrite the manifest with the replacement apiVersion (kubectl convert
#     helps) and re-apply it before the upgrade that removes the old one.
package fleetguard.cluster.versions.deprecated_apis_used

import data.fleetguard.cluster.lib.k8s
import data.kubernetes.apis

state(d) := sprintf("removed in %s", [d.removedIn]) if {
	k8s.minor(d.removedIn) <= input.views.versions.server.minor
} else := sprintf("deprecated since %s and removed in %s", [d.deprecatedIn, d.removedIn])

# The view groups objects by apiVersion and kind: each deprecated entry
# looks up its own, instead of every object being compared with every entry.
violation contains {
	"msg": sprintf("%s %s uses %s, %s; use %s", [d.kind, name(r), gv, state(d), d.replacement]),
	"resource": r,
	"details": {"apiVersion": gv, "deprecatedIn": d.deprecatedIn, "removedIn": d.removedIn, "replacement": d.replacement},
} if {
	some d in apis.deprecated
	gv := sprintf("%s/%s", [d.group, d.version])
	some r in input.views.versions.apiVersions[gv][d.kind]
}

name(r) := sprintf("%s/%s", [r.namespace, r.name]) if {
	object.get(r, "namespace", "") != ""
} else := r.name
