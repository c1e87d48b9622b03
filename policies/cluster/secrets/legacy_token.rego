# METADATA
# title: Long-lived service account token Secrets
# description: >-
#   Secrets of type kubernetes.io/service-account-token hold tokens that
#   never expire and stay valid until the Secret is deleted. Since
#   Kubernetes 1.24 pods get short-lived projected tokens instead. System
#   namespaces are left out.
# custom:
#   id: FG-SEC-004
#   severity: medium
#   scope: cluster
#   kinds: [Secret]
#   controls:
#     cis-k8s-v1.10: ["5.1.6"]
#     nsa-cisa-v1.2: ["pod-security/service-account-tokens", "network/secrets"]
#   remediation: >-
#     Delete the Secret and use projected tokens (the default), or
#     kubectl create token for short-lived tokens outside the cluster.
package fleetguard.cluster.secrets.legacy_token

import data.fleetguard.cluster.lib.k8s

violation contains {
	"msg": sprintf("Secret %s/%s holds a long-lived service account token", [s.namespace, s.name]),
	"resource": {"apiVersion": "v1", "kind": "Secret", "namespace": s.namespace, "name": s.name},
} if {
	some s in input.views.secrets.secrets
	s.type == "kubernetes.io/service-account-token"
	not s.namespace in k8s.system_namespaces
}
