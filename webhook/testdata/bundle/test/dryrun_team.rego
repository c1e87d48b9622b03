# METADATA
# title: Team label (test)
# description: Test policy in dryrun mode requiring a team label.
# custom:
#   id: TEST-DRY-001
#   severity: info
#   scope: object
#   kinds: [Pod]
#   enforcement: dryrun
#   controls:
#     test: ["dryrun"]
#   remediation: Add a team label to the pod.
package test.dryrun_team

violation contains {"msg": "pod has no team label"} if {
	not input.object.metadata.labels.team
}
