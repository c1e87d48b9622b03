# METADATA
# title: Capabilities not dropped
# description: >-
#   The restricted profile requires every container to drop ALL capabilities
#   and to add back at most NET_BIND_SERVICE. Containers otherwise keep the
#   runtime's default set (including NET_RAW, which allows packet spoofing).
#   Capabilities beyond the baseline set are reported by FG-POD-005; Windows
#   pods are exempt.
# custom:
#   id: FG-POD-016
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.8", "5.2.10"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["restricted/capabilities"]
#   remediation: >-
#     Set securityContext.capabilities.drop: ["ALL"] on every container, and
#     add only NET_BIND_SERVICE, if the container binds a port below 1024.
package fleetguard.object.pod.capabilities_restricted

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	not securitycontext.windows_pod
	some c in input.containers
	not drops_all(c)
	msg := sprintf("%s does not drop ALL capabilities", [securitycontext.label(c)])
}

violation contains {"msg": msg, "details": {"container": c.container.name, "capability": cap, "path": c.path}} if {
	not securitycontext.windows_pod
	some c in input.containers
	some cap in c.container.securityContext.capabilities.add
	name := securitycontext.normalized_capability(cap)
	name != "NET_BIND_SERVICE"
	securitycontext.baseline_capabilities[name] # others are FG-POD-005's
	msg := sprintf("%s adds capability %q; the restricted profile allows only NET_BIND_SERVICE", [securitycontext.label(c), cap])
}

drops_all(c) if {
	some cap in c.container.securityContext.capabilities.drop
	securitycontext.normalized_capability(cap) == "ALL"
}
