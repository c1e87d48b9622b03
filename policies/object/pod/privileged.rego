# METADATA
# title: Privileged containers
# description: >-
#   A privileged container runs with all capabilities and full access to the
#   host's devices, so a compromise of the container is a compromise of the node.
# custom:
#   id: FG-POD-001
#   severity: critical
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.2"]
#     nsa-cisa-v1.2: ["pod-security/non-root-and-unprivileged"]
#     pss: ["baseline/privileged-containers"]
#   remediation: >-
#     Remove securityContext.privileged or set it to false; grant only the
#     specific capabilities the workload needs.
package fleetguard.object.pod.privileged

violation contains {"msg": msg, "details": {"container": c.container.name, "path": c.path}} if {
	some c in input.containers
	c.container.securityContext.privileged == true
	msg := sprintf("%s %q is privileged", [c.type, c.container.name])
}
