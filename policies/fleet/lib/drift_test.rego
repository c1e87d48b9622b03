package fleetguard.fleet.lib.drift_test

import data.fleetguard.fleet.lib.drift

test_majority_decides if {
	drift.outliers({"a": 1, "b": 1, "c": 2}) == {"c"}
}

test_ties_report_everyone if {
	drift.outliers({"a": 1, "b": 2}) == {"a", "b"}
	drift.outliers({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}) == {"a", "b", "c", "d", "e"}
}

test_agreement_reports_nobody if {
	drift.outliers({"a": {"x": 1}, "b": {"x": 1}}) == set()
}

test_majority_of_false_and_null_values if {
	drift.outliers({"a": false, "b": false, "c": true}) == {"c"}
	drift.outliers({"a": null, "b": null, "c": {"hash": "x"}}) == {"c"}
	drift.outliers({}) == set()
}
