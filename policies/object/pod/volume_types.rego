# METADATA
# title: Volume types outside the restricted set
# description: >-
#   The restricted profile allows only volume types that do not reach
#   outside the pod's own storage: configMap, csi, downwardAPI, emptyDir,
#   ephemeral, persistentVolumeClaim, projected and secret. Inline network
#   and cloud volumes bypass PersistentVolume access control. hostPath is
#   reported by FG-POD-002, not here.
# custom:
#   id: FG-POD-015
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#     pss: ["restricted/volume-types"]
#   remediation: >-
#     Move the storage behind a PersistentVolume and mount it through a
#     persistentVolumeClaim volume, or use one of the allowed volume types.
package fleetguard.object.pod.volume_types

allowed_types := {
	"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
	"persistentVolumeClaim", "projected", "secret",
}

# not_types are the volume fields that are not a volume source; hostPath
# has its own policy.
not_types := {"name", "hostPath"}

violation contains {"msg": msg, "details": {"volume": volume.name, "type": type, "path": sprintf("%s.volumes[%d]", [input.pod.path, i])}} if {
	some i, volume in input.pod.spec.volumes
	some type, _ in volume
	not not_types[type]
	not allowed_types[type]
	msg := sprintf("volume %q has type %s, which the restricted profile does not allow", [volume.name, type])
}
