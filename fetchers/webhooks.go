package fetchers

import "k8s.io/apimachinery/pkg/runtime/schema"

// webhookKinds are the admission webhook configurations, so that a policy
// can check that the Fleetguard webhook is registered in every cluster.
var webhookKinds = []kind{
	{kind: "ValidatingWebhookConfiguration", gvr: admissionGVR("validatingwebhookconfigurations")},
	{kind: "MutatingWebhookConfiguration", gvr: admissionGVR("mutatingwebhookconfigurations")},
}

func admissionGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: resource}
}
