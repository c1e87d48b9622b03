# METADATA
# title: Service account token mounted
# description: >-
#   Unless automountServiceAccountToken is false, every container gets a
#   token for the pod's service account, which an attacker in the container
#   can use against the API server. Most applications never call the API.
#   At object scope only the pod spec is seen: a ServiceAccount that disables
#   automounting is not taken into account.
# custom:
#   id: FG-POD-019
#   severity: low
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.1.6"]
#     nsa-cisa-v1.2: ["pod-security/service-account-tokens"]
#   remediation: >-
#     Set automountServiceAccountToken: false in the pod spec; workloads that
#     call the API can mount a projected token with a short expiry instead.
package fleetguard.object.pod.service_account_token

violation contains {"msg": msg, "details": {"serviceAccountName": account, "path": sprintf("%s.automountServiceAccountToken", [input.pod.path])}} if {
	not input.pod.spec.automountServiceAccountToken == false
	account := object.get(input.pod.spec, "serviceAccountName", "default")
	msg := sprintf("pod mounts the token of service account %q (automountServiceAccountToken is not false)", [account])
}
