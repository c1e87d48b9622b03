# METADATA
# title: Subjects that can change admission webhook configurations
# description: >-
#   Writing ValidatingWebhookConfigurations or MutatingWebhookConfigurations
#   can switch admission control off, or send every object, Secrets included,
#   to a webhook of the subject's choosing. One finding per non-system subject
#   and binding.
# custom:
#   id: FG-RBAC-110
#   severity: high
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.12"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege", "pod-security/enforcement"]
#   remediation: >-
#     Remove create, update, patch and delete on
#     validatingwebhookconfigurations and mutatingwebhookconfigurations from
#     the role; leave them to the operators that own the webhooks.
package fleetguard.cluster.rbac.webhook_config

import data.fleetguard.cluster.lib.rbac

violation contains f if some f in rbac.findings({"webhook-config-write"})
