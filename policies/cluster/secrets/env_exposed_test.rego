package fleetguard.cluster.secrets.env_exposed_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.lib.k8s
import data.fleetguard.cluster.secrets.env_exposed

ref(kind, ns, name, secret, via, key, controlled) := {"namespace": ns, "secret": secret, "from": {"apiVersion": object.get(k8s.api_versions, kind, ""), "kind": kind, "namespace": ns, "name": name}, "via": via, "path": "spec.template.spec.containers[0].env[1]", "key": key, "optional": false, "controlled": controlled}

test_env_references_fail if {
	inp := fixtures.views({"secrets": {"exposed": [ref("Deployment", "shop", "web", "db", "env", "password", false)]}})
	v := env_exposed.violation with input as inp
	v == {{
		"msg": `Deployment shop/web exposes Secret "db" key "password" through env at spec.template.spec.containers[0].env[1]`,
		"resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"},
		"details": {"secret": "db", "via": "env", "path": "spec.template.spec.containers[0].env[1]", "key": "password"},
	}}
}

test_env_from_in_cronjob_fails if {
	r := ref("CronJob", "shop", "report", "flags", "envFrom", "", false)
	v := env_exposed.violation with input as fixtures.views({"secrets": {"exposed": [r]}})
	fixtures.messages(v) == {`CronJob shop/report exposes Secret "flags" (all keys) through envFrom at spec.template.spec.containers[0].env[1]`}
}

test_controlled_and_system_pass if {
	inp := fixtures.views({"secrets": {"exposed": [ref("Pod", "shop", "web-1", "db", "env", "k", true), ref("Deployment", "kube-system", "dns", "db", "env", "k", false)]}})
	count(env_exposed.violation) == 0 with input as inp
}
