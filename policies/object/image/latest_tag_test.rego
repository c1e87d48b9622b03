package fleetguard.object.image.latest_tag_test

import data.fleetguard.object.image.latest_tag
import data.fleetguard.object.lib.fixtures

test_latest_tag_fails_in_cronjob if {
	inp := fixtures.input_for(fixtures.cronjob({"containers": [{"name": "report", "image": "ghcr.io/shop/report:latest"}]}))
	v := latest_tag.violation with input as inp
	v == {{
		"msg": `container "report" uses image "ghcr.io/shop/report:latest" with the latest tag`,
		"details": {"container": "report", "image": "ghcr.io/shop/report:latest", "path": "spec.jobTemplate.spec.template.spec.containers[0]"},
	}}
}

test_missing_tag_fails_even_behind_a_registry_port if {
	inp := fixtures.input_for(fixtures.deployment({
		"initContainers": [{"name": "migrate", "image": "registry.local:5000/shop/migrate"}],
		"containers": [fixtures.app],
	}))
	v := latest_tag.violation with input as inp
	fixtures.messages(v) == {`initContainer "migrate" uses image "registry.local:5000/shop/migrate" with no tag, which means latest`}
}

test_versioned_and_digest_pinned_images_pass if {
	inp := fixtures.input_for(fixtures.pod({"containers": [
		{"name": "a", "image": "nginx:1.27.2"},
		{"name": "b", "image": "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"name": "c", "image": "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	]}))
	count(latest_tag.violation) == 0 with input as inp
}
