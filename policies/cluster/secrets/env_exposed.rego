# METADATA
# title: Secrets exposed through environment variables
# description: >-
#   Secrets passed as environment variables (env valueFrom.secretKeyRef or
#   envFrom.secretRef) leak into crash dumps, debug output, child processes
#   and /proc/<pid>/environ, and cannot be rotated without a restart. One
#   finding per reference; pods owned by a controller are reported through
#   their owner. System namespaces are left out.
# custom:
#   id: FG-SEC-001
#   severity: medium
#   scope: cluster
#   kinds: [Secret, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.4.1"]
#     nsa-cisa-v1.2: ["network/secrets"]
#   remediation: >-
#     Mount the Secret as a volume (read-only, with only the keys needed) and
#     have the application read the file.
package fleetguard.cluster.secrets.env_exposed

import data.fleetguard.cluster.lib.k8s

# A reference's from is the referencing object, in the namespace of the
# Secret, with its apiVersion: the finding's resource as it is.
violation contains {
	"msg": sprintf("%s %s/%s exposes Secret %q%s through %s at %s", [r.from.kind, r.namespace, r.from.name, r.secret, keys, r.via, r.path]),
	"resource": r.from,
	"details": {"secret": r.secret, "via": r.via, "path": r.path, "key": r.key},
} if {
	some r in input.views.secrets.exposed
	r.controlled == false
	not r.namespace in k8s.system_namespaces
	keys := key_phrase(r.key)
}

# key_phrase names what a reference exposes: an env reference names one
# key; an envFrom reference has none and exposes all.
key_phrase("") := " (all keys)"

key_phrase(key) := sprintf(" key %q", [key]) if key != ""
