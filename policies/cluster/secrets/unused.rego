# METADATA
# title: Unused Secrets
# description: >-
#   A Secret that no pod, workload, ServiceAccount or Ingress references is
#   a credential nobody rotates or owns, still readable by whoever may read
#   Secrets. Types that are legitimately unreferenced (service account
#   tokens, bootstrap tokens, Helm releases) are left out, and so are system
#   namespaces.
# custom:
#   id: FG-SEC-003
#   severity: low
#   scope: cluster
#   kinds: [Secret, ServiceAccount, Ingress, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["network/secrets"]
#   remediation: >-
#     Delete the Secret if it is no longer needed, and revoke the credential
#     it holds.
package fleetguard.cluster.secrets.unused

import data.fleetguard.cluster.lib.k8s

violation contains {
	"msg": sprintf("Secret %s/%s is referenced by no pod, workload, ServiceAccount or Ingress", [s.namespace, s.name]),
	"resource": {"apiVersion": "v1", "kind": "Secret", "namespace": s.namespace, "name": s.name},
} if {
	input.views.secrets.complete
	some s in input.views.secrets.unused
	not s.namespace in k8s.system_namespaces
}
