# METADATA
# title: Objects stored through deprecated or removed API versions
# description: >-
#   An object in the snapshot carries an apiVersion that is deprecated, or
#   already removed, for its kind (data.kubernetes.apis). Snapshots keep the
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

violation contains {
	"msg": sprintf("%s %s uses %s, %s; use %s", [kind, name(obj), obj.apiVersion, state(d), d.replacement]),
	"resource": {"apiVersion": obj.apiVersion, "kind": kind, "namespace": object.get(obj.metadata, "namespace", ""), "name": obj.metadata.name},
	"details": {"apiVersion": obj.apiVersion, "deprecatedIn": d.deprecatedIn, "removedIn": d.removedIn, "replacement": d.replacement},
} if {
	some kind, objs in input.snapshot.objects
	some d in apis.deprecated
	d.kind == kind
	some obj in objs
	obj.apiVersion == sprintf("%s/%s", [d.group, d.version])
}

name(obj) := sprintf("%s/%s", [obj.metadata.namespace, obj.metadata.name]) if {
	object.get(obj.metadata, "namespace", "") != ""
} else := obj.metadata.name
