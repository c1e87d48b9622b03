# METADATA
# title: HostPath volumes
# description: >-
#   A hostPath volume exposes a directory or file of the node to the pod.
#   Writable host paths let a container tamper with the node or read other
#   workloads' data, and even read-only ones leak host secrets.
# custom:
#   id: FG-POD-002
#   severity: high
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.12"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#     pss: ["baseline/host-path-volumes", "restricted/volume-types"]
#   remediation: >-
#     Replace the hostPath volume with a persistentVolumeClaim, configMap,
#     secret, emptyDir or projected volume. Node agents that truly need the
#     host should run in a dedicated, tightly controlled namespace.
package fleetguard.object.pod.host_path

violation contains {"msg": msg, "details": details} if {
	some i, volume in input.pod.spec.volumes
	volume.hostPath
	path := object.get(volume.hostPath, "path", "")
	users := mounted_by(volume.name)
	msg := sprintf("volume %q mounts host path %q%s", [volume.name, path, used_by(users)])
	details := {
		"volume": volume.name, "hostPath": path, "containers": users,
		"path": sprintf("%s.volumes[%d]", [input.pod.path, i]),
	}
}

# mounted_by names the containers that mount the volume, in pod order.
mounted_by(name) := [c.container.name |
	some c in input.containers
	some m in c.container.volumeMounts
	m.name == name
]

used_by(users) := "" if count(users) == 0

used_by(users) := sprintf(" into %s", [concat(", ", [sprintf("%q", [u]) | some u in users])]) if count(users) > 0
