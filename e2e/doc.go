// Package e2e holds the end-to-end tests of `policy audit` on the local
// fleet (internal/testfleet): real kube-apiservers seeded from
// testdata/fleet, read through the fetchers' least-privilege auditor
// contexts, audited at every scope, and compared with a reviewed ground
// truth (testdata/e2e/expected-findings.txt). It also proves that object
// policies give one verdict for an object whether it is audited, scanned
// from YAML or admitted by the webhook, and that the built CLI finds the
// weaknesses of deliberately vulnerable manifests without ever revealing a
// Secret's value.
//
// The package holds tests only. One fleet is started per test binary (see
// TestMain) and stopped when the binary ends, also after a failure.
//
//	go test ./e2e/ -count=1 -v
//	go test ./e2e/ -run TestAuditFindsExactly -update   # then review the diff
package e2e
