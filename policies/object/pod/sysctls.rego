# METADATA
# title: Unsafe sysctls
# description: >-
#   Sysctls outside the namespaced safe set change kernel settings that other
#   pods on the node share, or weaken isolation between them.
# custom:
#   id: FG-POD-013
#   severity: medium
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["pod-security/container-hardening"]
#     pss: ["baseline/sysctls"]
#   remediation: >-
#     Remove the sysctl from spec.securityContext.sysctls, or tune it on the
#     node (for example with a node configuration tool) for dedicated nodes.
package fleetguard.object.pod.sysctls

# safe_sysctls is the baseline profile's allowed set (Kubernetes v1.32).
safe_sysctls := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
}

violation contains {"msg": msg, "details": {"sysctl": s.name, "path": sprintf("%s.securityContext.sysctls[%d]", [input.pod.path, i])}} if {
	some i, s in input.pod.spec.securityContext.sysctls
	not safe_sysctls[s.name]
	msg := sprintf("pod sets unsafe sysctl %q to %q", [s.name, object.get(s, "value", "")])
}
