package fleetguard.cluster.secrets.many_readers_test

import data.fleetguard.cluster.lib.fixtures
import data.fleetguard.cluster.secrets.many_readers

secret(readers) := {"namespace": "shop", "name": "db", "type": "Opaque", "references": 1, "exposed": false, "readers": [{"subject": r, "verbs": ["get"]} | some r in readers]}

test_six_readers_fail if {
	inp := fixtures.views({"secrets": {"secrets": [secret(["User:a", "User:b", "User:c", "User:d", "Group:e", "ServiceAccount:shop:f", "User:system:kube-controller-manager"])]}})
	v := many_readers.violation with input as inp
	fixtures.messages(v) == {`Secret shop/db can be read by 6 non-system subjects: Group:e, ServiceAccount:shop:f, User:a, User:b, User:c, User:d`}
}

test_broad_group_reader_fails if {
	inp := fixtures.views({"secrets": {"secrets": [secret(["Group:system:serviceaccounts:shop"])]}})
	count(many_readers.violation) == 1 with input as inp
}

test_few_readers_pass if {
	inp := fixtures.views({"secrets": {"secrets": [secret(["User:a", "ServiceAccount:shop:web", "ServiceAccount:kube-system:x", "Group:system:masters"])]}})
	count(many_readers.violation) == 0 with input as inp
}
