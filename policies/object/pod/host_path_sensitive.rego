# METADATA
# title: HostPath to the host's root or container runtime socket
# description: >-
#   Mounting the node's root filesystem, or the container runtime's socket
#   (Docker, containerd, CRI-O) or a directory holding it, gives the pod full
#   control of the node: it can start privileged containers, read every
#   workload's secrets and escape to the host.
# custom:
#   id: FG-POD-003
#   severity: critical
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.2.12"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#     pss: ["baseline/host-path-volumes"]
#   remediation: >-
#     Remove the hostPath volume. Build images with a daemonless builder
#     (for example BuildKit rootless or kaniko) instead of the node's runtime,
#     and read node data through the kubelet or an API rather than the host's
#     filesystem.
package fleetguard.object.pod.host_path_sensitive

# runtime_sockets are the container runtimes' API sockets, and the
# directories that hold them.
runtime_sockets := {
	"/var/run/docker.sock", "/run/docker.sock", "/var/run/cri-dockerd.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock",
	"/var/run/containerd", "/run/containerd", "/var/run/crio", "/run/crio",
	"/var/run/docker", "/run/docker", "/var/run", "/run", "/var",
}

violation contains {"msg": msg, "details": details} if {
	some i, volume in input.pod.spec.volumes
	path := clean(object.get(volume, ["hostPath", "path"], ""))
	reason := exposes(path)
	msg := sprintf("volume %q mounts %s (hostPath %q)", [volume.name, reason, volume.hostPath.path])
	details := {"volume": volume.name, "hostPath": volume.hostPath.path, "path": sprintf("%s.volumes[%d]", [input.pod.path, i])}
}

exposes(path) := "the host's root filesystem" if path == "/"

exposes(path) := "the container runtime socket" if runtime_sockets[path]

# clean drops trailing slashes, so "/var/run/" is "/var/run"; "" stays "".
clean(path) := "/" if {
	path != ""
	trim_right(path, "/") == ""
} else := trim_right(path, "/")
