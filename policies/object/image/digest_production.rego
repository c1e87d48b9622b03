# METADATA
# title: Image not pinned by digest in production
# description: >-
#   In a cluster labelled env=production (or env=prod), every image must be
#   referenced by digest, so that what runs is exactly what was built,
#   scanned and approved, even if a tag is moved or a registry is
#   compromised. Clusters without that label, and CI scans, are not checked.
# custom:
#   id: FG-IMG-002
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.5.1"]
#     nsa-cisa-v1.2: ["pod-security/secure-images"]
#   remediation: >-
#     Reference the image as registry/name@sha256:<digest> (a tag may stay
#     for readability: registry/name:1.4.2@sha256:<digest>); let the CI
#     pipeline resolve the digest when it builds the image.
package fleetguard.object.image.digest_production

import data.fleetguard.object.lib.images
import data.fleetguard.object.lib.securitycontext

production_envs := {"production", "prod"}

violation contains {"msg": msg, "details": {"container": c.container.name, "image": c.container.image, "path": c.path}} if {
	production_envs[lower(input.cluster.labels.env)]
	some c in input.containers
	not images.pinned_by_digest(c.container.image)
	msg := sprintf("%s uses image %q, not pinned by digest, in production cluster %q", [securitycontext.label(c), c.container.image, input.cluster.name])
}
