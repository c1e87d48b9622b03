# METADATA
# title: Fleetguard admission webhook registered differently across clusters
# description: >-
#   Fleetguard's webhook configuration differs from the one most clusters
#   have: another failurePolicy, timeout, rules or namespaceSelector means
#   that the same object is refused in one cluster and admitted in another,
#   or that admission fails open in one of them. Clusters where the webhook
#   is not registered at all are reported by FG-WH-001.
# custom:
#   id: FG-WH-002
#   severity: medium
#   scope: fleet
#   kinds: [admissionregistration.k8s.io/ValidatingWebhookConfiguration]
#   controls:
#     cis-k8s-v1.10: ["5.2.1"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#   remediation: >-
#     Deploy the webhook from one manifest (deploy/webhook) to every
#     cluster, and reconcile the ones that were edited by hand.
package fleetguard.fleet.webhook_drift

import data.fleetguard.fleet.lib.drift

registered := {c.name: c.ourWebhook | some c in input.clusters; c.ourWebhook != null}

webhooks := {c.name: w.webhooks | some c in input.clusters; w := c.ourWebhook; w != null}

fields := ["failurePolicy", "timeoutSeconds", "rules", "namespaceSelector"]

# differences(a, b) names the webhook fields where configurations a and b differ.
differences(a, b) := {sprintf("%s %s", [name, f]) |
	some name in ({n | some n, _ in a} | {n | some n, _ in b})
	some f in fields
	object.get(a, [name, f], "absent") != object.get(b, [name, f], "absent")
}

violation contains {
	"msg": sprintf("Fleetguard's admission webhook %q in cluster %s is configured differently from %s (%s)", [registered[c].configuration, c, concat(", ", others), concat("; ", diffs)]),
	"cluster": c,
	"resource": {"apiVersion": "admissionregistration.k8s.io/v1", "kind": registered[c].kind, "name": registered[c].configuration},
	"details": {"webhooks": webhooks},
} if {
	some c in drift.outliers(webhooks)
	others := {d | some d, w in webhooks; w != webhooks[c]}
	diffs := {x | some d in others; some x in differences(webhooks[c], webhooks[d])}
}
