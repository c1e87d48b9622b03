# Builders for fleet-scope policy tests. Test-only.
package fleetguard.fleet.lib.fixtures

config := {"systemNamespaces": ["kube-system"], "webhook": {"name": "fleetguard-webhook", "pattern": "^fleetguard(-webhook)?$"}, "productionEnvs": ["production", "prod"], "now": "2026-11-21T00:00:00Z"}

# cluster(name, env, patch) is a cluster summary on 1.36 with patch merged in.
cluster(name, env, patch) := object.union(
	{
		"name": name, "labels": {"env": env}, "state": "complete", "missingKinds": [],
		"serverVersion": {"gitVersion": "v1.36.3", "major": "1", "minor": "36"}, "minor": 36,
		"clusterRoles": {}, "clusterRoleBindings": {}, "namespaces": {}, "images": {}, "ourWebhook": null,
	},
	patch,
)

fleet(clusters) := {"clusters": clusters, "config": config}

messages(v) := {f.msg | some f in v}

clusters(v) := {f.cluster | some f in v}
