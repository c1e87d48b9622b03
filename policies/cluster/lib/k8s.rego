# Helpers shared by the cluster-scope policies: system namespaces, resource
# references and versions. No violation rule, so not a policy.
package fleetguard.cluster.lib.k8s

# system_namespaces are the platform's own namespaces
# (input.config.systemNamespaces), as a set made once per evaluation: a
# lookup per item, not a function call (see policies/README.md).
system_namespaces := {ns | some ns in input.config.systemNamespaces}

# api_versions gives the apiVersion to report for a kind named in a view.
api_versions := {
	"Pod": "v1", "PodTemplate": "v1", "ReplicationController": "v1", "ServiceAccount": "v1",
	"Secret": "v1", "Namespace": "v1", "Node": "v1", "Service": "v1", "ConfigMap": "v1",
	"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1",
	"Job": "batch/v1", "CronJob": "batch/v1",
	"NetworkPolicy": "networking.k8s.io/v1", "Ingress": "networking.k8s.io/v1",
	"Role": "rbac.authorization.k8s.io/v1", "ClusterRole": "rbac.authorization.k8s.io/v1",
	"RoleBinding": "rbac.authorization.k8s.io/v1", "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
	"ValidatingWebhookConfiguration": "admissionregistration.k8s.io/v1",
	"MutatingWebhookConfiguration": "admissionregistration.k8s.io/v1",
}

# resource(ref) turns a view's {kind, namespace, name} into a finding's resource.
resource(ref) := {
	"apiVersion": object.get(api_versions, ref.kind, ""),
	"kind": ref.kind,
	"namespace": object.get(ref, "namespace", ""),
	"name": ref.name,
}

# describe(ref) names an object for a message: Deployment shop/web, Node node-a.
describe(ref) := sprintf("%s %s/%s", [ref.kind, ref.namespace, ref.name]) if {
	object.get(ref, "namespace", "") != ""
} else := sprintf("%s %s", [ref.kind, ref.name])

# cluster_resource is the resource of findings about the cluster as a whole.
cluster_resource := {"kind": "Cluster", "name": input.cluster.name}

# minor("1.25") is 25: minor versions as written in the data tables.
minor(s) := to_number(split(s, ".")[1])
