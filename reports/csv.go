package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// CSV writes one row per finding, with a header row, for spreadsheets and
// ticket imports. Cells that a spreadsheet would run as a formula (starting
// with =, +, -, @, tab or carriage return) get a leading single quote.
type CSV struct{}

// csvHeader names the columns, in order.
var csvHeader = []string{
	"severity", "policy_id", "title", "cluster", "api_version", "kind", "namespace", "name",
	"file", "line", "message", "excepted", "exception_reason", "exception_expires", "controls",
}

// Write implements Writer.
func (CSV) Write(w io.Writer, r *engine.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, f := range sortedFindings(r) {
		file, line := "", ""
		if f.Source != nil {
			file = f.Source.File
			if f.Source.Line > 0 {
				line = strconv.Itoa(f.Source.Line)
			}
		}
		reason, expires := "", ""
		if f.Excepted != nil {
			reason, expires = f.Excepted.Reason, f.Excepted.Expires
		}
		row := []string{
			f.Severity.String(), f.PolicyID, f.Title, f.Cluster,
			f.Resource.APIVersion, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name,
			file, line, f.Message, strconv.FormatBool(f.Excepted != nil), reason, expires,
			strings.Join(controlTags(f.Controls), ";"),
		}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses formula injection (OWASP's CSV injection advice): a cell
// starting with a formula trigger is prefixed with a single quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
