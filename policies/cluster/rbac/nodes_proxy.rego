# METADATA
# title: Subjects that can use the nodes/proxy subresource
# description: >-
#   nodes/proxy reaches the kubelet API of every node. get alone is enough to
#   run commands in any pod through the kubelet, bypassing admission and audit
#   of pods/exec. One finding per non-system subject and binding.
# custom:
#   id: FG-RBAC-107
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.10"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Remove nodes/proxy from the role; monitoring agents can read metrics
#     through nodes/metrics or the metrics API instead.
package fleetguard.cluster.rbac.nodes_proxy

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"nodes-proxy"})
