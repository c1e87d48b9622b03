# METADATA
# title: Same image tag resolving to different digests across clusters
# description: >-
#   One registry/repository:tag runs as different image digests in different
#   clusters: the tag was moved between deployments, so the clusters run
#   different code under the same name. Digests come from image references
#   that carry both a tag and a digest, and from pod statuses. The clusters
#   that differ from the majority are reported (all of them when there is no
#   majority).
# custom:
#   id: FG-FLEET-005
#   severity: medium
#   scope: fleet
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/secure-images"]
#   remediation: >-
#     Deploy images by digest, and never push a different image under an
#     existing release tag.
package fleetguard.fleet.image_digests

import data.fleetguard.fleet.lib.drift

values(image) := {c.name: c.images[image] | some c in input.clusters; c.images[image]}

violation contains {
	"msg": sprintf("image %s resolves to %s in cluster %s, but to %s elsewhere", [image, concat(", ", vs[c]), c, others]),
	"cluster": c,
	"resource": {"kind": "Image", "name": image},
	"details": {"image": image, "digests": vs},
} if {
	some image in {i | some c in input.clusters; some i, _ in c.images}
	vs := values(image)
	some c in drift.outliers(vs)
	others := concat("; ", {sprintf("%s in %s", [concat(", ", w), drift.clusters_with(vs, w)]) | some _, w in vs; w != vs[c]})
}
