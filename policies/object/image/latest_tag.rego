# METADATA
# title: Image tag latest or missing
# description: >-
#   An image with no tag means :latest. A latest tag moves, so the same
#   manifest runs different code from one pull to the next, rollbacks do not
#   roll back, and nobody can tell what is running. Images pinned by digest
#   pass whatever their tag.
# custom:
#   id: FG-IMG-001
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/secure-images"]
#   remediation: >-
#     Reference the image by an immutable version tag, or better by digest
#     (registry/name:1.4.2@sha256:...).
package fleetguard.object.image.latest_tag

import data.fleetguard.object.lib.images
import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "image": c.container.image, "path": c.path}} if {
	some c in input.containers
	image := c.container.image
	not images.pinned_by_digest(image)
	msg := sprintf("%s %s", [securitycontext.label(c), problem(image)])
}

problem(image) := sprintf("uses image %q with the latest tag", [image]) if {
	images.tag(image) == "latest"
}

problem(image) := sprintf("uses image %q with no tag, which means latest", [image]) if {
	not images.tag(image)
}
