# METADATA
# title: Fleetguard admission webhook not registered
# description: >-
#   No ValidatingWebhookConfiguration or MutatingWebhookConfiguration whose
#   name matches Fleetguard's (input.config.webhook.pattern) exists, so the
#   policies are audited here but never enforced at admission. Not evaluated
#   when webhook configurations could not be read.
# custom:
#   id: FG-WH-001
#   severity: high
#   scope: cluster
#   kinds: [admissionregistration.k8s.io/ValidatingWebhookConfiguration]
#   controls:
#     cis-k8s-v1.10: ["5.2.1"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#   remediation: >-
#     Deploy the webhook (kubectl apply -k deploy/webhook) and check that its
#     ValidatingWebhookConfiguration is present.
package fleetguard.cluster.webhook.registered

# Each kind by name, so the cluster input need hold no other kind of object.
configurations contains c if some c in input.snapshot.objects.ValidatingWebhookConfiguration

configurations contains c if some c in input.snapshot.objects.MutatingWebhookConfiguration

registered if {
	some c in configurations
	regex.match(input.config.webhook.pattern, c.metadata.name)
}

violation contains {
	"msg": sprintf("no admission webhook configuration matching %q is registered: policies are not enforced at admission", [input.config.webhook.pattern]),
	"resource": {"kind": "Cluster", "name": input.cluster.name},
} if {
	not "ValidatingWebhookConfiguration" in input.cluster.missingKinds
	not registered
}
