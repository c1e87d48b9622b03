package fleetguard.object.resources.limits_test

import data.fleetguard.object.lib.fixtures
import data.fleetguard.object.resources.limits

test_no_limits_fails if {
	inp := fixtures.input_for(fixtures.deployment({"containers": [fixtures.app]}))
	v := limits.violation with input as inp
	v == {{"msg": `container "app" sets no cpu or memory limit`, "details": {"container": "app", "missing": ["cpu", "memory"], "path": "spec.template.spec.containers[0]"}}}
}

test_missing_memory_limit_fails_for_init_container if {
	inp := fixtures.input_for(fixtures.cronjob({
		"initContainers": [{"name": "setup", "image": "busybox:1.36", "resources": {"limits": {"cpu": "100m"}, "requests": {"memory": "64Mi"}}}],
		"containers": [object.union(fixtures.app, {"resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}})],
	}))
	v := limits.violation with input as inp
	fixtures.messages(v) == {`initContainer "setup" sets no memory limit`}
}

test_container_or_pod_level_limits_pass if {
	inp := fixtures.input_for(fixtures.pod({
		"resources": {"limits": {"memory": "1Gi"}},
		"containers": [object.union(fixtures.app, {"resources": {"limits": {"cpu": "1"}}})],
		"ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}],
	}))
	count(limits.violation) == 0 with input as inp
}
