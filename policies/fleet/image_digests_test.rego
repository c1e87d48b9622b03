package fleetguard.fleet.image_digests_test

import data.fleetguard.fleet.image_digests
import data.fleetguard.fleet.lib.fixtures

test_moved_tag_fails if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"images": {"ghcr.io/shop/web:1.4": ["sha256:aaa"]}}),
		fixtures.cluster("b", "production", {"images": {"ghcr.io/shop/web:1.4": ["sha256:aaa"]}}),
		fixtures.cluster("c", "dev", {"images": {"ghcr.io/shop/web:1.4": ["sha256:bbb"]}}),
	])
	v := image_digests.violation with input as inp
	v == {{
		"msg": "image ghcr.io/shop/web:1.4 resolves to sha256:bbb in cluster c, but to sha256:aaa in a, b elsewhere",
		"cluster": "c",
		"resource": {"kind": "Image", "name": "ghcr.io/shop/web:1.4"},
		"details": {"image": "ghcr.io/shop/web:1.4", "digests": {"a": ["sha256:aaa"], "b": ["sha256:aaa"], "c": ["sha256:bbb"]}},
	}}
}

test_same_digest_everywhere_passes if {
	inp := fixtures.fleet([
		fixtures.cluster("a", "production", {"images": {"ghcr.io/shop/web:1.4": ["sha256:aaa"]}}),
		fixtures.cluster("b", "dev", {"images": {"ghcr.io/shop/web:1.4": ["sha256:aaa"], "docker.io/library/nginx:1.27": ["sha256:ccc"]}}),
	])
	count(image_digests.violation) == 0 with input as inp
}
