# METADATA
# title: Containers run as UID 0
# description: >-
#   A runAsUser of 0 runs the container as root, whatever the image says.
#   The restricted profile forbids it on the pod and on every container.
# custom:
#   id: FG-POD-018
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.7"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["restricted/running-as-non-root-user"]
#   remediation: >-
#     Set securityContext.runAsUser to a non-zero UID (for example 10001), or
#     remove it and let the image's non-root USER apply.
package fleetguard.object.pod.run_as_user

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": "pod sets runAsUser: 0 (root)", "details": {"path": sprintf("%s.securityContext.runAsUser", [input.pod.path])}} if {
	input.pod.spec.securityContext.runAsUser == 0
}

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	c.container.securityContext.runAsUser == 0
	msg := sprintf("%s sets runAsUser: 0 (root)", [securitycontext.label(c)])
}
