# METADATA
# title: AppArmor unconfined
# description: >-
#   Running a container with the AppArmor profile Unconfined (through
#   securityContext.appArmorProfile or the legacy
#   container.apparmor.security.beta.kubernetes.io annotation) removes the
#   runtime's default mandatory access control.
# custom:
#   id: FG-POD-014
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["baseline/apparmor"]
#   remediation: >-
#     Set securityContext.appArmorProfile.type to RuntimeDefault or Localhost,
#     or remove it, and remove annotations whose value is not runtime/default
#     or localhost/<profile>.
package fleetguard.object.pod.apparmor

import data.fleetguard.object.lib.securitycontext

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

allowed_types := {"RuntimeDefault", "Localhost"}

violation contains {"msg": msg, "details": {"path": sprintf("%s.securityContext.appArmorProfile", [input.pod.path])}} if {
	type := input.pod.spec.securityContext.appArmorProfile.type
	not allowed_types[type]
	msg := sprintf("pod sets appArmorProfile.type %q", [type])
}

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	type := c.container.securityContext.appArmorProfile.type
	not allowed_types[type]
	msg := sprintf("%s sets appArmorProfile.type %q", [securitycontext.label(c), type])
}

violation contains {"msg": msg, "details": {"container": name, "annotation": key}} if {
	some key, value in input.pod.metadata.annotations
	startswith(key, annotation_prefix)
	not allowed_annotation(value)
	name := substring(key, count(annotation_prefix), -1)
	msg := sprintf("annotation %q sets container %q to AppArmor profile %q", [key, name, value])
}

allowed_annotation("runtime/default")

allowed_annotation(value) if startswith(value, "localhost/")
