package fetchers

import "k8s.io/apimachinery/pkg/runtime/schema"

// workloadKinds are Pods and the controllers that hold pod templates. Their
// literal env values are dropped by snapshot.Sanitize as each is decoded.
var workloadKinds = []kind{
	{kind: "Pod", gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}},
	{kind: "Deployment", gvr: appsGVR("deployments")},
	{kind: "StatefulSet", gvr: appsGVR("statefulsets")},
	{kind: "DaemonSet", gvr: appsGVR("daemonsets")},
	{kind: "ReplicaSet", gvr: appsGVR("replicasets")},
	{kind: "Job", gvr: batchGVR("jobs")},
	{kind: "CronJob", gvr: batchGVR("cronjobs")},
}

func appsGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: resource}
}

func batchGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: resource}
}
