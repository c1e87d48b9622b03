# METADATA
# title: Windows HostProcess containers
# description: >-
#   A Windows HostProcess container runs directly on the node as a host
#   process with access to the host's network, filesystem and processes; it
#   is the Windows equivalent of a privileged container.
# custom:
#   id: FG-POD-009
#   severity: critical
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.11"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["baseline/host-process"]
#   remediation: >-
#     Remove securityContext.windowsOptions.hostProcess from the pod and its
#     containers, or set it to false.
package fleetguard.object.pod.host_process

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": "pod sets windowsOptions.hostProcess: true", "details": {"path": sprintf("%s.securityContext.windowsOptions.hostProcess", [input.pod.path])}} if {
	input.pod.spec.securityContext.windowsOptions.hostProcess == true
}

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	c.container.securityContext.windowsOptions.hostProcess == true
	msg := sprintf("%s sets windowsOptions.hostProcess: true", [securitycontext.label(c)])
}
