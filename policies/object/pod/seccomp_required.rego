# METADATA
# title: No seccomp profile
# description: >-
#   The restricted profile requires every container to run under a seccomp
#   profile, RuntimeDefault or Localhost, set on the container or inherited
#   from the pod. Without one most runtimes run the container unconfined.
#   An explicit Unconfined profile is reported by FG-POD-012; Windows pods
#   are exempt.
# custom:
#   id: FG-POD-017
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.7.2"]
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["restricted/seccomp"]
#   remediation: >-
#     Set securityContext.seccompProfile.type: RuntimeDefault on the pod, so
#     every container inherits it.
package fleetguard.object.pod.seccomp_required

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	not securitycontext.windows_pod
	some c in input.containers
	not has_profile(c)
	msg := sprintf("%s has no seccomp profile, and neither does the pod", [securitycontext.label(c)])
}

has_profile(c) if securitycontext.effective(c, "seccompProfile").type
