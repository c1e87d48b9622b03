# METADATA
# title: References to missing Secrets
# description: >-
#   A non-optional reference to a Secret that does not exist keeps pods from
#   starting (or an Ingress without its certificate), and whoever creates a
#   Secret of that name later feeds data to the workload. Only evaluated
#   when Secrets could be read. One finding per reference; pods owned by a
#   controller are reported through their owner.
# custom:
#   id: FG-SEC-002
#   severity: low
#   scope: cluster
#   kinds: [Secret, ServiceAccount, Ingress, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["network/secrets"]
#   remediation: >-
#     Create the Secret, mark the reference optional if the workload copes
#     without it, or remove the reference.
package fleetguard.cluster.secrets.missing

import data.fleetguard.cluster.lib.k8s

# A reference's from is the referencing object, in the namespace of the
# Secret, with its apiVersion: the finding's resource as it is.
violation contains {
	"msg": sprintf("%s %s/%s refers to Secret %q through %s at %s, and that Secret does not exist in namespace %q", [r.from.kind, r.namespace, r.from.name, r.secret, r.via, r.path, r.namespace]),
	"resource": r.from,
	"details": {"secret": r.secret, "via": r.via, "path": r.path},
} if {
	input.views.secrets.complete
	some r in input.views.secrets.missing
	r.controlled == false
	not r.namespace in k8s.system_namespaces
}
