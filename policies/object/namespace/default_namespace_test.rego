package fleetguard.object.namespace.default_namespace_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.namespace.default_namespace

in_namespace(obj, ns) := object.union(obj, {"metadata": {"namespace": ns}})

test_deployment_in_default_fails if {
	inp := fixtures.input_for(in_namespace(fixtures.deployment({"containers": [fixtures.app]}), "default"))
	v := default_namespace.violation with input as inp
	v == {{"msg": `Deployment runs in the default namespace`, "details": {"namespace": "default"}}}
}

test_cronjob_in_default_fails if {
	inp := fixtures.input_for(in_namespace(fixtures.cronjob({"containers": [fixtures.app]}), "default"))
	v := default_namespace.violation with input as inp
	fixtures.messages(v) == {`CronJob runs in the default namespace`}
}

test_other_or_unknown_namespace_passes if {
	count(default_namespace.violation) == 0 with input as fixtures.input_for(fixtures.pod({"containers": [fixtures.app]}))
	no_ns := json.remove(fixtures.pod({"containers": [fixtures.app]}), ["metadata/namespace"])
	count(default_namespace.violation) == 0 with input as fixtures.input_for(no_ns)
	count(default_namespace.violation) == 0 with input as fixtures.input_for(in_namespace(no_ns, ""))
}
