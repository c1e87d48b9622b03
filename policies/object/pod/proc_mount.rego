# METADATA
# title: Unmasked /proc mount
# description: >-
#   procMount Unmasked disables the masking of sensitive /proc paths that the
#   container runtime applies by default, exposing kernel information and
#   interfaces to the container.
# custom:
#   id: FG-POD-011
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["baseline/proc-mount-type"]
#   remediation: >-
#     Remove securityContext.procMount or set it to Default.
package fleetguard.object.pod.proc_mount

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path, "procMount": mount}} if {
	some c in input.containers
	mount := c.container.securityContext.procMount
	mount != "Default"
	msg := sprintf("%s sets procMount %q", [securitycontext.label(c), mount])
}
