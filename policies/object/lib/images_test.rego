package fleetguard.object.lib.images_test

import data.fleetguard.object.lib.images

test_tag_of_plain_reference if images.tag("nginx:1.27") == "1.27"

test_registry_port_is_not_a_tag if {
	images.tag("registry.local:5000/shop/web:2.0") == "2.0"
	not images.tag("registry.local:5000/shop/web")
}

test_digest_pinned_reference_has_no_tag if {
	images.pinned_by_digest("nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	not images.tag("nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	not images.pinned_by_digest("nginx:latest")
}
