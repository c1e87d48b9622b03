# METADATA
# title: Custom SELinux options
# description: >-
#   Setting a custom SELinux user or role, or a type other than the container
#   types, can lift the SELinux confinement that keeps a container away from
#   the host and from other containers.
# custom:
#   id: FG-POD-010
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["baseline/selinux"]
#   remediation: >-
#     Remove seLinuxOptions.user and seLinuxOptions.role, and leave
#     seLinuxOptions.type unset or set it to container_t, container_init_t,
#     container_kvm_t or container_engine_t.
package fleetguard.object.pod.selinux

import data.fleetguard.object.lib.securitycontext

allowed_types := {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

violation contains {"msg": sprintf("pod %s", [problem]), "details": {"path": sprintf("%s.securityContext.seLinuxOptions", [input.pod.path])}} if {
	some problem in problems(input.pod.spec.securityContext.seLinuxOptions)
}

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	some problem in problems(c.container.securityContext.seLinuxOptions)
	msg := sprintf("%s %s", [securitycontext.label(c), problem])
}

problems(options) := {p |
	some field in ["user", "role"]
	value := options[field]
	value != ""
	p := sprintf("sets seLinuxOptions.%s %q", [field, value])
} | {p |
	type := options.type
	not allowed_types[type]
	p := sprintf("sets seLinuxOptions.type %q, which is not a container type", [type])
}
