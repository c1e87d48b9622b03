# METADATA
# title: Seccomp explicitly unconfined
# description: >-
#   A seccomp profile of type Unconfined lets the container make every system
#   call, including the rarely needed ones behind most kernel exploits.
# custom:
#   id: FG-POD-012
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.7.2"]
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["baseline/seccomp", "restricted/seccomp"]
#   remediation: >-
#     Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost
#     with a reviewed profile) instead of Unconfined.
package fleetguard.object.pod.seccomp_unconfined

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": "pod sets seccompProfile.type Unconfined", "details": {"path": sprintf("%s.securityContext.seccompProfile", [input.pod.path])}} if {
	input.pod.spec.securityContext.seccompProfile.type == "Unconfined"
}

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	c.container.securityContext.seccompProfile.type == "Unconfined"
	msg := sprintf("%s sets seccompProfile.type Unconfined", [securitycontext.label(c)])
}
