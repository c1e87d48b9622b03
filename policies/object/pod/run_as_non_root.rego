# METADATA
# title: Containers not required to run as non-root
# description: >-
#   Unless runAsNonRoot is true, the kubelet starts a container as whatever
#   user its image names, often root. A process running as root in a
#   container is one kernel bug away from root on the node. The container's
#   setting overrides the pod's.
# custom:
#   id: FG-POD-006
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.7"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["restricted/running-as-non-root"]
#   remediation: >-
#     Set securityContext.runAsNonRoot: true on the pod (or on every
#     container), and build the image with a numeric non-root USER.
package fleetguard.object.pod.run_as_non_root

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	not runs_as_non_root(c)
	msg := sprintf("%s %s", [securitycontext.label(c), why(c)])
}

runs_as_non_root(c) if securitycontext.effective(c, "runAsNonRoot") == true

why(c) := sprintf("sets runAsNonRoot: %v", [c.container.securityContext.runAsNonRoot]) if {
	c.container.securityContext.runAsNonRoot != true
} else := sprintf("inherits runAsNonRoot: %v from the pod", [input.pod.spec.securityContext.runAsNonRoot]) if {
	input.pod.spec.securityContext.runAsNonRoot != true
} else := "does not set runAsNonRoot: true, and neither does the pod"
