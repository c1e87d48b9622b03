# METADATA
# title: Privilege escalation allowed
# description: >-
#   Unless allowPrivilegeEscalation is false, a process in the container can
#   gain more privileges than its parent, for example through setuid
#   binaries. The field exists only on containers; Windows pods are exempt.
# custom:
#   id: FG-POD-007
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.6"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["restricted/privilege-escalation"]
#   remediation: >-
#     Set securityContext.allowPrivilegeEscalation: false on every container.
package fleetguard.object.pod.privilege_escalation

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	not securitycontext.windows_pod
	some c in input.containers
	not c.container.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("%s %s", [securitycontext.label(c), why(c)])
}

why(c) := "sets allowPrivilegeEscalation: true" if {
	c.container.securityContext.allowPrivilegeEscalation == true
} else := "does not set allowPrivilegeEscalation: false"
