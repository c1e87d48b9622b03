package fleetguard.object.image.digest_production_test

import data.fleetguard.object.image.digest_production
import data.fleetguard.object.lib.fixtures

pinned := "registry.example.com/shop/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

test_tag_only_image_fails_in_production if {
	inp := fixtures.input_in_cluster(fixtures.deployment({"containers": [fixtures.app]}), "eu-prod", {"env": "production"})
	v := digest_production.violation with input as inp
	v == {{
		"msg": `container "app" uses image "registry.example.com/shop/web:1.4.2", not pinned by digest, in production cluster "eu-prod"`,
		"details": {"container": "app", "image": "registry.example.com/shop/web:1.4.2", "path": "spec.template.spec.containers[0]"},
	}}
}

test_prod_label_is_case_insensitive_and_checks_every_container if {
	inp := fixtures.input_in_cluster(
		fixtures.cronjob({"initContainers": [{"name": "setup", "image": "busybox:1.36"}], "containers": [{"name": "app", "image": pinned}]}),
		"us-prod", {"env": "Prod"},
	)
	v := digest_production.violation with input as inp
	fixtures.messages(v) == {`initContainer "setup" uses image "busybox:1.36", not pinned by digest, in production cluster "us-prod"`}
}

test_other_environments_and_ci_pass if {
	obj := fixtures.deployment({"containers": [fixtures.app]})
	count(digest_production.violation) == 0 with input as fixtures.input_in_cluster(obj, "eu-staging", {"env": "staging"})
	count(digest_production.violation) == 0 with input as fixtures.input_for(obj)
}

test_digest_pinned_passes_in_production if {
	inp := fixtures.input_in_cluster(fixtures.pod({"containers": [{"name": "app", "image": pinned}]}), "eu-prod", {"env": "production"})
	count(digest_production.violation) == 0 with input as inp
}
