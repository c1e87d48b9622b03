# METADATA
# title: Workloads in the default namespace
# description: >-
#   The default namespace collects whatever was deployed without thought:
#   quotas, NetworkPolicies and RBAC are rarely set up for it, so workloads
#   there share one loose boundary. Only an explicit metadata.namespace of
#   "default" is reported; a manifest without a namespace is left alone,
#   since where it lands is decided at apply time.
# custom:
#   id: FG-NS-001
#   severity: low
#   scope: object
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.7.1", "5.7.4"]
#     nsa-cisa-v1.2: ["network/namespaces"]
#   remediation: >-
#     Create a namespace per application or team, with its own quotas,
#     NetworkPolicies and RBAC, and deploy the workload there.
package fleetguard.object.namespace.default_namespace

# The message leaves the name to the finding's resource: a policy that reads
# no object's identity is evaluated once per distinct input it reads, not
# once per workload (engine/memo.go).
violation contains {"msg": msg, "details": {"namespace": "default"}} if {
	input.object.metadata.namespace == "default"
	msg := sprintf("%s runs in the default namespace", [input.object.kind])
}
