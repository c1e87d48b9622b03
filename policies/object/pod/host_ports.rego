# METADATA
# title: Host ports
# description: >-
#   A hostPort binds a container port on the node's own address, bypassing
#   Services and NetworkPolicies, and ties the pod to the nodes where the
#   port is free.
# custom:
#   id: FG-POD-008
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.13"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#     pss: ["baseline/host-ports"]
#   remediation: >-
#     Remove hostPort from the container's ports and expose the port through
#     a Service (ClusterIP, NodePort or LoadBalancer) or an Ingress.
package fleetguard.object.pod.host_ports

import data.fleetguard.object.lib.securitycontext

violation contains {"msg": msg, "details": details} if {
	some c in input.containers
	some i, port in c.container.ports
	object.get(port, "hostPort", 0) != 0
	msg := sprintf("%s binds host port %v (container port %v)", [securitycontext.label(c), port.hostPort, object.get(port, "containerPort", "unset")])
	details := {"container": c.container.name, "hostPort": port.hostPort, "path": sprintf("%s.ports[%d]", [c.path, i])}
}
