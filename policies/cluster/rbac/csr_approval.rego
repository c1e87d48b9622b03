# METADATA
# title: Subjects that can approve certificate signing requests
# description: >-
#   Approving CertificateSigningRequests (update on
#   certificatesigningrequests/approval with approve on a signer) issues
#   client certificates, for example for system:masters or for nodes. One
#   finding per non-system subject and binding.
# custom:
#   id: FG-RBAC-109
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.11"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Remove update and patch on certificatesigningrequests/approval and
#     approve on signers from the role; leave approval to the controller-
#     manager and a reviewed approver.
package fleetguard.cluster.rbac.csr_approval

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"csr-approval", "signers-approve"})
