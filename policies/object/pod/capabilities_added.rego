# METADATA
# title: Capabilities beyond the baseline set
# description: >-
#   Linux capabilities such as SYS_ADMIN, NET_ADMIN, NET_RAW or SYS_PTRACE
#   give a container powers over the node's kernel. The Pod Security
#   Standards baseline allows adding only a small set of capabilities that
#   container runtimes grant by default.
# custom:
#   id: FG-POD-005
#   severity: high
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.9"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["baseline/capabilities", "restricted/capabilities"]
#   remediation: >-
#     Remove the capability from securityContext.capabilities.add. If the
#     workload needs a privileged operation, move it to a separate, reviewed
#     component instead of granting the capability to the application.
package fleetguard.object.pod.capabilities_added

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": details} if {
	some c in input.containers
	some cap in c.container.securityContext.capabilities.add
	not securitycontext.baseline_capabilities[securitycontext.normalized_capability(cap)]
	msg := sprintf("%s adds capability %q, which the baseline profile does not allow", [securitycontext.label(c), cap])
	details := {"container": c.container.name, "capability": cap, "path": sprintf("%s.securityContext.capabilities.add", [c.path])}
}
