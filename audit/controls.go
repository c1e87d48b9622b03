package audit

import "github.com/fleetguard/fleetguard/engine"

// scoreControls fills r.Controls and r.Scores from the framework
// catalogues (bundle data "frameworks"). STUB.
func scoreControls(r *engine.Result, frameworks any) {}
