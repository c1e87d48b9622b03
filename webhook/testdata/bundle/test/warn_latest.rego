# METADATA
# title: Latest image tag (test)
# description: Test policy in warn mode for images tagged latest.
# custom:
#   id: TEST-WARN-001
#   severity: low
#   scope: object
#   kinds: [Pod]
#   enforcement: warn
#   controls:
#     test: ["warn"]
#   remediation: Pin the image to a version or a digest.
package test.warn_latest

violation contains {"msg": msg} if {
	some c in input.containers
	endswith(c.container.image, ":latest")
	msg := sprintf("container %q uses the latest tag", [c.container.name])
}
