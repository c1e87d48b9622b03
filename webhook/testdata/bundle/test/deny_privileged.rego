# METADATA
# title: Privileged containers (test)
# description: Test policy that denies privileged containers.
# custom:
#   id: TEST-DENY-001
#   severity: critical
#   scope: object
#   kinds: [Pod]
#   controls:
#     test: ["deny"]
#   remediation: Remove securityContext.privileged.
package test.deny_privileged

violation contains {"msg": msg} if {
	some c in input.containers
	c.container.securityContext.privileged == true
	msg := sprintf("container %q is privileged", [c.container.name])
}
