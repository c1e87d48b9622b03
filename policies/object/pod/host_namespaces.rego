# METADATA
# title: Host namespaces
# description: >-
#   A pod that shares the node's network, PID or IPC namespace can sniff
#   node traffic, reach services bound to localhost, see and signal every
#   process on the node, or read other processes' shared memory.
# custom:
#   id: FG-POD-004
#   severity: high
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.3", "5.2.4", "5.2.5"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#     pss: ["baseline/host-namespaces"]
#   remediation: >-
#     Remove hostNetwork, hostPID and hostIPC from the pod spec, or set them
#     to false. Expose ports through a Service instead of the host network.
package fleetguard.object.pod.host_namespaces

host_namespace_fields := {"hostNetwork": "network", "hostPID": "PID", "hostIPC": "IPC"}

violation contains {"msg": msg, "details": {"field": field, "path": sprintf("%s.%s", [input.pod.path, field])}} if {
	some field, namespace in host_namespace_fields
	input.pod.spec[field] == true
	msg := sprintf("pod shares the host's %s namespace (%s: true)", [namespace, field])
}
