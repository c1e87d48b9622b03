// Package policies holds Fleetguard's default policy bundle: Rego by area,
// data tables and the JSON Schema for policy metadata. The bundle is embedded
// in the binary so that `policy` works with no files beside it.
package policies

import "embed"

// FS is the default bundle as an OPA bundle tree. Test files (*_test.rego) are
// included so that `policy test` can run them; the engine leaves them out.
//
//go:embed metadata.schema.json all:object all:cluster all:fleet all:kubernetes all:frameworks
var FS embed.FS

// MetadataSchema is the JSON Schema that every policy's METADATA must satisfy.
//
//go:embed metadata.schema.json
var MetadataSchema []byte
