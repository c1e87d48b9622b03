package fetchers

import "k8s.io/apimachinery/pkg/runtime/schema"

// networkKinds are NetworkPolicies, Services and Ingresses: the inputs of
// the NetworkPolicy coverage view (Ingress TLS also references Secrets).
var networkKinds = []kind{
	{kind: "NetworkPolicy", gvr: networkingGVR("networkpolicies")},
	{kind: "Service", gvr: schema.GroupVersionResource{Version: "v1", Resource: "services"}},
	{kind: "Ingress", gvr: networkingGVR("ingresses")},
}

func networkingGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: resource}
}
