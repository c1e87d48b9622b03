# Test fixtures: Kubernetes objects and the engine input derived from them,
# built the way engine/input.go and snapshot/podspec.go build it, so policy
# tests exercise the same shape the engine evaluates.
package fleetguard.object.lib.fixtures

pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

container_fields := [
	["initContainers", "initContainer"],
	["containers", "container"],
	["ephemeralContainers", "ephemeralContainer"],
]

# input_for is the input of a scan of obj: no cluster, no operation, and the
# derived pod and containers when obj carries a pod spec.
input_for(obj) := object.union(
	{"object": obj, "operation": "", "cluster": {"name": "", "labels": {}}, "containers": []},
	derived(obj),
)

# input_in_cluster is input_for(obj) as an audit of a labelled cluster sees it.
input_in_cluster(obj, name, labels) := object.union(input_for(obj), {"cluster": {"name": name, "labels": labels}})

derived(obj) := {"pod": pod, "containers": containers} if {
	path := pod_spec_paths[obj.kind]
	spec := object.get(obj, path, null)
	is_object(spec)
	meta := object.get(obj, array.concat(array.slice(path, 0, count(path) - 1), ["metadata"]), null)
	pod := {"spec": spec, "metadata": meta, "path": concat(".", path)}
	containers := [c |
		some [field, type] in container_fields
		some i, x in object.get(spec, field, [])
		c := {"type": type, "path": sprintf("%s.%s[%d]", [pod.path, field, i]), "container": x}
	]
} else := {}

# A minimal, compliant container to build on in tests.
app := {"name": "app", "image": "registry.example.com/shop/web:1.4.2"}

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"}, "spec": spec}

pod_with_annotations(spec, annotations) := {
	"apiVersion": "v1", "kind": "Pod",
	"metadata": {"name": "web", "namespace": "shop", "annotations": annotations},
	"spec": spec,
}

deployment(spec) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"selector": {"matchLabels": {"app": "web"}},
		"template": {"metadata": {"labels": {"app": "web"}}, "spec": spec},
	},
}

statefulset(spec) := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "db", "namespace": "shop"},
	"spec": {
		"serviceName": "db",
		"selector": {"matchLabels": {"app": "db"}},
		"template": {"metadata": {"labels": {"app": "db"}}, "spec": spec},
	},
}

daemonset(spec) := {
	"apiVersion": "apps/v1", "kind": "DaemonSet",
	"metadata": {"name": "agent", "namespace": "monitoring"},
	"spec": {
		"selector": {"matchLabels": {"app": "agent"}},
		"template": {"metadata": {"labels": {"app": "agent"}}, "spec": spec},
	},
}

cronjob(spec) := {
	"apiVersion": "batch/v1", "kind": "CronJob",
	"metadata": {"name": "report", "namespace": "shop"},
	"spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}},
}

# messages are the messages of a set of violations.
messages(violations) := {v.msg | some v in violations}

test_input_for_derives_deployment_containers if {
	inp := input_for(deployment({"initContainers": [{"name": "setup"}], "containers": [app]}))
	inp.pod.path == "spec.template.spec"
	inp.pod.metadata == {"labels": {"app": "web"}}
	[c.path | some c in inp.containers] == ["spec.template.spec.initContainers[0]", "spec.template.spec.containers[0]"]
	[c.type | some c in inp.containers] == ["initContainer", "container"]
}

test_input_for_derives_cronjob_pod_path if {
	inp := input_for(cronjob({"containers": [app]}))
	inp.pod.path == "spec.jobTemplate.spec.template.spec"
	inp.containers[0].path == "spec.jobTemplate.spec.template.spec.containers[0]"
}

test_input_for_non_workload_has_no_pod if {
	inp := input_for({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
	inp.containers == []
	not inp.pod
}
