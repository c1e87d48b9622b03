# METADATA
# title: Namespaces without a Pod Security Admission enforce label
# description: >-
#   Without pod-security.kubernetes.io/enforce, Pod Security Admission lets
#   any pod into the namespace (unless the cluster sets a default), however
#   privileged. The Pod Security Standards checks of this bundle then only
#   report; nothing stops the pod. System namespaces are left out.
# custom:
#   id: FG-PSA-001
#   severity: medium
#   scope: cluster
#   kinds: [Namespace]
#   controls:
#     cis-k8s-v1.10: ["5.2.1"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#   remediation: >-
#     Label the namespace pod-security.kubernetes.io/enforce=restricted (or
#     baseline where restricted is not yet possible), after checking with
#     the warn and audit labels what would be refused.
package fleetguard.cluster.podsecurity.enforce_label

import data.fleetguard.cluster.lib.k8s

violation contains {
	"msg": sprintf("namespace %q has no pod-security.kubernetes.io/enforce label: Pod Security Admission admits any pod", [name]),
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": name},
} if {
	some ns in input.snapshot.objects.Namespace
	name := ns.metadata.name
	not name in k8s.system_namespaces
	not ns.metadata.labels["pod-security.kubernetes.io/enforce"]
}
