# Helpers shared by the pod security policies. A container's securityContext
# field overrides the pod's, as the kubelet applies them.
package fleetguard.object.lib.securitycontext

# effective is the container's securityContext[field], or the pod's when the
# container leaves it unset; undefined when neither sets it.
effective(c, field) := v if {
	v := c.container.securityContext[field]
} else := v if {
	v := input.pod.spec.securityContext[field]
}

# windows_pod holds for pods that declare spec.os.name: windows, which the
# Pod Security Standards exempt from the Linux-only restricted controls.
windows_pod if input.pod.spec.os.name == "windows"

# label names a container for messages: container "app", initContainer "setup".
label(c) := sprintf("%s %q", [c.type, object.get(c.container, "name", "")])

# normalized_capability spells a capability as the Pod Security Standards do:
# upper case, without the CAP_ prefix the runtimes also accept.
normalized_capability(cap) := trim_prefix(upper(cap), "CAP_")

# baseline_capabilities are the capabilities the Pod Security Standards
# baseline profile lets a container add.
baseline_capabilities := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}
