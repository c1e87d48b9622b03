package fetchers

import "k8s.io/apimachinery/pkg/runtime/schema"

// rbacKinds are the RBAC objects and ServiceAccounts: the inputs of the
// effective-RBAC view (ClusterRoles keep aggregationRule and rules).
var rbacKinds = []kind{
	{kind: "Role", gvr: rbacGVR("roles")},
	{kind: "ClusterRole", gvr: rbacGVR("clusterroles")},
	{kind: "RoleBinding", gvr: rbacGVR("rolebindings")},
	{kind: "ClusterRoleBinding", gvr: rbacGVR("clusterrolebindings")},
	{kind: "ServiceAccount", gvr: schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}},
}

func rbacGVR(resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: resource}
}
