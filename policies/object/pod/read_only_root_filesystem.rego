# METADATA
# title: Writable root filesystem
# description: >-
#   A container whose root filesystem is writable lets an attacker drop tools
#   and modify binaries. An immutable root filesystem with explicit writable
#   volumes makes the container's behaviour predictable.
# custom:
#   id: FG-POD-020
#   severity: low
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/immutable-filesystem"]
#   remediation: >-
#     Set securityContext.readOnlyRootFilesystem: true on every container and
#     mount emptyDir volumes where the application must write.
package fleetguard.object.pod.read_only_root_filesystem

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	c.type != "ephemeralContainer" # debugging sessions are expected to write
	not c.container.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("%s does not set readOnlyRootFilesystem: true", [securitycontext.label(c)])
}
