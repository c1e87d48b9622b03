# METADATA
# title: Missing resource limits
# description: >-
#   A container without CPU and memory limits can starve its neighbours on
#   the node, and a memory leak or a denial of service in one workload
#   becomes an outage of many. Pod-level limits (spec.resources) count for
#   every container. Ephemeral containers cannot set resources and are not
#   checked.
# custom:
#   id: FG-RES-001
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["network/resource-policies"]
#   remediation: >-
#     Set resources.limits.cpu and resources.limits.memory on every container
#     (and requests alongside them), or give the namespace a LimitRange with
#     defaults.
package fleetguard.object.resources.limits

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": {"container": c.container.name, "missing": missing, "path": c.path}} if {
	some c in input.containers
	c.type != "ephemeralContainer"
	missing := [r | some r in ["cpu", "memory"]; not limited(c, r)]
	count(missing) > 0
	msg := sprintf("%s sets no %s limit", [securitycontext.label(c), concat(" or ", missing)])
}

limited(c, resource) if c.container.resources.limits[resource]

limited(_, resource) if input.pod.spec.resources.limits[resource]
