package reports

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"

	"github.com/fleetguard/fleetguard/engine"
)

// PDF writes an audit as an A4 PDF for auditors, with the same content as
// the HTML report: scores with drawn bars, cluster status, controls with
// evidence, exceptions, changes, the score trend and provenance. Text the
// PDF's standard fonts cannot show is written as [U+XXXX], never dropped.
// PDF is safe for concurrent use.
type PDF struct {
	// History adds the score trend and the findings new and resolved since
	// the previous audit. Nil renders "no previous audit".
	History *History
}

// Write renders r as a PDF to w.
func (p PDF) Write(w io.Writer, r *engine.Result) error {
	v := view(r, p.History)
	d := newPDFDoc(v, r)
	d.render(v)
	if err := d.f.Output(w); err != nil {
		return fmt.Errorf("writing the PDF report: %w", err)
	}
	return nil
}

// pdfText converts UTF-8 to the cp1252 bytes of the PDF core fonts. Runes
// outside cp1252 and control characters become a visible [U+XXXX] so no
// text is lost silently; tabs become spaces and newlines stay.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "[U+%04X]", r)
		case r < 0x80:
			b.WriteByte(byte(r))
		default:
			if c, ok := charmap.Windows1252.EncodeRune(r); ok {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "[U+%04X]", r)
			}
		}
	}
	return b.String()
}

// Page geometry in millimetres.
const (
	pdfMargin = 15.0
	pdfLine   = 4.4 // line height of 9 pt table text
)

type rgb [3]int

var (
	colInk   = rgb{29, 36, 51}
	colMuted = rgb{91, 100, 117}
	colLine  = rgb{216, 221, 230}
	colHead  = rgb{241, 243, 246}
	colOK    = rgb{27, 122, 61}
	colWarn  = rgb{154, 91, 0}
	colBad   = rgb{179, 38, 30}
	colGood  = rgb{46, 158, 87}
	colFair  = rgb{224, 160, 42}
	colPoor  = rgb{208, 69, 60}
)

// classColor maps the HTML classes of statuses to text colours.
func classColor(class string) rgb {
	switch class {
	case "pass", "ok", "good":
		return colOK
	case "fail", "bad", "poor":
		return colBad
	case "manual", "warn", "fair":
		return colWarn
	}
	return colMuted
}

type pdfDoc struct {
	f            *fpdf.Fpdf
	pageW, pageH float64
	width        float64 // usable width
	// header is redrawn at the top of a page when a table continues there.
	header func()
	// pending is a heading not drawn yet: the next block draws it, on the
	// page where that block starts, so a heading never ends a page.
	pending         func()
	pendingH, least float64
}

// pdfCell is one table cell: text (UTF-8) and how to show it.
type pdfCell struct {
	Text  string
	Color rgb
	Bold  bool
	Mono  bool
}

func newPDFDoc(v *auditView, r *engine.Result) *pdfDoc {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	// Page breaks are placed by the writer so table rows and headers stay
	// together; fpdf's own breaking would split them blindly.
	f.SetAutoPageBreak(false, pdfMargin)
	f.SetTitle(v.Title, true)
	f.SetCreator("Fleetguard", true)
	f.SetSubject("Compliance audit of "+fmt.Sprint(len(r.Clusters))+" clusters", true)
	if t := r.Provenance.Time; !t.IsZero() {
		f.SetCreationDate(t)
		f.SetModificationDate(t)
	}
	f.AliasNbPages("")
	d := &pdfDoc{f: f}
	d.pageW, d.pageH = f.GetPageSize()
	d.width = d.pageW - 2*pdfMargin
	f.SetFooterFunc(func() {
		f.SetY(d.pageH - pdfMargin + 4)
		d.font("", 8, colMuted)
		f.CellFormat(d.width/2, 4, pdfText("Fleetguard compliance report "+v.Time), "", 0, "L", false, 0, "")
		f.CellFormat(d.width/2, 4, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()
	return d
}

func (d *pdfDoc) font(style string, size float64, c rgb) {
	d.f.SetFont("Helvetica", style, size)
	d.f.SetTextColor(c[0], c[1], c[2])
}

// bottom is the lowest y text may reach on a page.
func (d *pdfDoc) bottom() float64 { return d.pageH - pdfMargin }

// need starts a new page unless h millimetres (and a pending heading)
// fit below the cursor, then draws the pending heading.
func (d *pdfDoc) need(h float64) {
	p := d.pending
	d.pending = nil
	if p != nil {
		h = d.pendingH + max(h, d.least)
	}
	if d.f.GetY()+h > d.bottom() {
		d.f.AddPage()
	}
	if p != nil {
		p()
	}
}

// wrap splits text (already in cp1252) into lines no wider than w at the
// current font, breaking at spaces and, for longer words, anywhere.
func (d *pdfDoc) wrap(text string, w float64) []string {
	w -= 2 * d.f.GetCellMargin()
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Split(para, " ") {
			cand := word
			if line != "" {
				cand = line + " " + word
			}
			if d.f.GetStringWidth(cand) <= w {
				line = cand
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			line = word
			// A word wider than the column is cut where it overflows.
			for d.f.GetStringWidth(line) > w && len(line) > 1 {
				n := 1
				for n < len(line) && d.f.GetStringWidth(line[:n+1]) <= w {
					n++
				}
				out = append(out, line[:n])
				line = line[n:]
			}
		}
		out = append(out, line)
	}
	return out
}

// heading writes a section (level 1) or sub-section (level 2) title and
// keeps at least a few lines of what follows on the same page.
func (d *pdfDoc) heading(text string, level int) {
	if d.pending != nil {
		d.need(0)
	}
	size, gap, after, least := 14.0, 6.0, 3.5, 12*pdfLine
	if level > 1 {
		size, gap, after, least = 11.5, 3.0, 1.0, 0
	}
	d.font("B", size, colInk)
	lines := d.wrap(pdfText(text), d.width)
	d.pendingH = gap + float64(len(lines))*size*0.45 + after
	d.least = least
	d.pending = func() {
		d.f.Ln(gap)
		d.f.Bookmark(pdfText(text), level-1, -1)
		d.font("B", size, colInk)
		for _, l := range lines {
			d.f.CellFormat(d.width, size*0.45, l, "", 1, "L", false, 0, "")
		}
		if level == 1 {
			y := d.f.GetY() + 1
			d.f.SetDrawColor(colLine[0], colLine[1], colLine[2])
			d.f.Line(pdfMargin, y, pdfMargin+d.width, y)
		}
		d.f.Ln(after)
	}
}

// para writes wrapped text across the page.
func (d *pdfDoc) para(text string, size float64, c rgb) {
	d.font("", size, c)
	lh := size * 0.45
	lines := d.wrap(pdfText(text), d.width)
	// Short paragraphs stay whole; long ones break line by line.
	if len(lines) <= 6 {
		d.need(float64(len(lines)) * lh)
	}
	for _, l := range lines {
		d.need(lh)
		d.font("", size, c)
		d.f.CellFormat(d.width, lh, l, "", 1, "L", false, 0, "")
	}
	d.f.Ln(1.5)
}

// table draws rows under a header row. Column widths are fractions of the
// page width. Rows break across pages line by line, and the header is
// repeated on every page the table reaches.
func (d *pdfDoc) table(fracs []float64, header []string, rows [][]pdfCell, numeric map[int]bool) {
	widths := make([]float64, len(fracs))
	for i, fr := range fracs {
		widths[i] = fr * d.width
	}
	align := func(i int) string {
		if numeric[i] {
			return "R"
		}
		return "L"
	}
	drawHeader := func() {
		d.font("B", 8.5, colInk)
		lines := make([][]string, len(header))
		n := 1
		for i, h := range header {
			lines[i] = d.wrap(pdfText(h), widths[i])
			n = max(n, len(lines[i]))
		}
		y := d.f.GetY()
		d.f.SetFillColor(colHead[0], colHead[1], colHead[2])
		d.f.Rect(pdfMargin, y, d.width, float64(n)*pdfLine+1, "F")
		x := pdfMargin
		for i := range header {
			for j, l := range lines[i] {
				d.f.SetXY(x, y+0.5+float64(j)*pdfLine)
				d.f.CellFormat(widths[i], pdfLine, l, "", 0, align(i), false, 0, "")
			}
			x += widths[i]
		}
		d.f.SetXY(pdfMargin, y+float64(n)*pdfLine+1)
	}
	// Keep the header with the first row (or with a page of it).
	first := 1
	if len(rows) > 0 {
		for i, c := range rows[0] {
			d.setCellFont(c)
			first = max(first, len(d.wrap(pdfText(c.Text), widths[i])))
		}
	}
	d.need(float64(2+min(first, 12))*pdfLine + 2)
	drawHeader()
	prevHeader := d.header
	d.header = drawHeader
	defer func() { d.header = prevHeader }()

	perPage := int((d.bottom() - pdfMargin) / pdfLine)
	for _, row := range rows {
		lines := make([][]string, len(row))
		n := 1
		for i, c := range row {
			d.setCellFont(c)
			lines[i] = d.wrap(pdfText(c.Text), widths[i])
			n = max(n, len(lines[i]))
		}
		for start := 0; start < n; {
			avail := int(math.Floor((d.bottom() - d.f.GetY() - 1) / pdfLine))
			left := n - start
			// Keep a row whole when it fits on a fresh page.
			if avail < 1 || (left > avail && left <= perPage-2 && start == 0) {
				d.f.AddPage()
				d.header()
				continue
			}
			k := min(left, avail)
			y := d.f.GetY() + 0.5
			x := pdfMargin
			// Each cell is drawn whole before the next, so text extraction
			// reads a cell's lines together.
			for i, c := range row {
				d.setCellFont(c)
				for j := start; j < start+k && j < len(lines[i]); j++ {
					d.f.SetXY(x, y+float64(j-start)*pdfLine)
					d.f.CellFormat(widths[i], pdfLine, lines[i][j], "", 0, align(i), false, 0, "")
				}
				x += widths[i]
			}
			yEnd := y + float64(k)*pdfLine + 0.5
			start += k
			if start == n {
				d.f.SetDrawColor(colLine[0], colLine[1], colLine[2])
				d.f.Line(pdfMargin, yEnd, pdfMargin+d.width, yEnd)
			}
			d.f.SetXY(pdfMargin, yEnd)
		}
	}
	d.f.Ln(3)
}

func (d *pdfDoc) setCellFont(c pdfCell) {
	family, style := "Helvetica", ""
	if c.Mono {
		family = "Courier"
	}
	if c.Bold {
		style = "B"
	}
	d.f.SetFont(family, style, 8.5)
	col := c.Color
	if col == (rgb{}) {
		col = colInk
	}
	d.f.SetTextColor(col[0], col[1], col[2])
}

func txt(s string) pdfCell { return pdfCell{Text: s} }

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func (d *pdfDoc) render(v *auditView) {
	d.font("B", 20, colInk)
	d.f.CellFormat(d.width, 10, "Fleet compliance report", "", 1, "L", false, 0, "")
	lead := fmt.Sprintf("Audit of %d cluster(s)", v.Summary.Clusters)
	if v.Time != "" {
		lead += " taken on " + v.Time
	}
	d.para(lead+". Produced by Fleetguard.", 10, colMuted)

	d.summary(v)
	d.clusters(v)
	d.controls(v)
	d.exceptions(v)
	d.changes(v)
	d.trend(v)
	d.provenance(v)
	if len(v.Problems) > 0 {
		d.heading("8. Problems during the audit", 1)
		rows := make([][]pdfCell, 0, len(v.Problems))
		for _, p := range v.Problems {
			rows = append(rows, []pdfCell{txt(p.Kind), txt(p.Text)})
		}
		d.table([]float64{0.15, 0.85}, []string{"Kind", "Problem"}, rows, nil)
	}
}

func (d *pdfDoc) summary(v *auditView) {
	d.heading("1. Summary", 1)
	s := v.Summary
	open := fmt.Sprint(s.Open)
	if len(s.BySeverity) > 0 {
		var parts []string
		for _, kv := range s.BySeverity {
			parts = append(parts, kv.Value+" "+kv.Key)
		}
		open += " (" + strings.Join(parts, ", ") + ")"
	}
	d.table([]float64{0.45, 0.55}, []string{"Measure", "Count"}, [][]pdfCell{
		{txt("Clusters audited"), txt(fmt.Sprint(s.Clusters))},
		{txt("Fully read"), txt(fmt.Sprint(s.Complete))},
		{txt("Partly read"), txt(fmt.Sprint(s.Partial))},
		{txt("Not reachable"), txt(fmt.Sprint(s.Unreachable))},
		{txt("Open findings"), txt(open)},
		{txt("Findings covered by an exception"), txt(fmt.Sprint(s.Excepted))},
		{txt("Expired exceptions"), txt(fmt.Sprint(s.ExpiredExceptions))},
	}, nil)
	d.para("A score is the share of automatically checked controls that pass. Controls that need a manual check, "+
		"and controls that do not apply, are not counted. A cluster that could not be read is not assessed and never counts as compliant.", 9, colMuted)
	if len(v.Frameworks) == 0 {
		d.para("No compliance framework was evaluated in this audit.", 10, colInk)
		return
	}
	cols := len(v.Frameworks[0].Scores)
	fracs := []float64{0.3}
	header := []string{"Framework"}
	numeric := map[int]bool{}
	for i, c := range v.Frameworks[0].Scores {
		fracs = append(fracs, 0.7/float64(cols))
		header = append(header, c.Label)
		numeric[i+1] = true
	}
	var rows [][]pdfCell
	for _, fw := range v.Frameworks {
		row := []pdfCell{txt(fw.Name + "\n" + fw.Key)}
		for _, c := range fw.Scores {
			t := c.Text
			if c.Note != "" {
				t += "\n" + c.Note
			}
			row = append(row, pdfCell{Text: t, Bold: true})
		}
		rows = append(rows, row)
	}
	d.table(fracs, header, rows, numeric)
	for _, fw := range v.Frameworks {
		d.bars(fw)
	}
}

// bars draws one framework's scores as horizontal bars.
func (d *pdfDoc) bars(fw frameworkView) {
	const rowH, barH = 6.0, 4.2
	labelW, trackW := 45.0, 80.0
	d.heading(fw.Name, 2)
	d.need(float64(len(fw.Scores)) * rowH)
	for _, c := range fw.Scores {
		y := d.f.GetY()
		d.font("", 8.5, colInk)
		d.f.SetXY(pdfMargin, y)
		label := d.wrap(pdfText(c.Label), labelW)
		d.f.CellFormat(labelW, rowH, label[0], "", 0, "L", false, 0, "")
		x := pdfMargin + labelW
		d.f.SetFillColor(colHead[0], colHead[1], colHead[2])
		d.f.Rect(x, y+(rowH-barH)/2, trackW, barH, "F")
		if c.Known {
			col := colPoor
			switch {
			case c.Percent >= 90:
				col = colGood
			case c.Percent >= 70:
				col = colFair
			}
			d.f.SetFillColor(col[0], col[1], col[2])
			if w := c.Percent / 100 * trackW; w > 0 {
				d.f.Rect(x, y+(rowH-barH)/2, w, barH, "F")
			}
		}
		t := c.Text
		if c.Note != "" {
			t += " (" + c.Note + ")"
		}
		d.f.SetXY(x+trackW+2, y)
		d.f.CellFormat(d.width-labelW-trackW-2, rowH, pdfText(t), "", 0, "L", false, 0, "")
		d.f.SetXY(pdfMargin, y+rowH)
	}
	d.f.Ln(2)
}

func (d *pdfDoc) clusters(v *auditView) {
	d.heading("2. Cluster status", 1)
	d.para("Whether every kind of object in each cluster could be read. Results for a partly read cluster may miss problems; "+
		"an unreachable cluster was not assessed at all.", 9, colMuted)
	if len(v.Clusters) == 0 {
		d.para("No cluster was part of this audit.", 10, colInk)
		return
	}
	var rows [][]pdfCell
	for _, c := range v.Clusters {
		reason := strings.Join(c.Reasons, "\n")
		if c.Missing != "" {
			reason = strings.TrimPrefix(reason+"\nKinds not read: "+c.Missing, "\n")
		}
		rows = append(rows, []pdfCell{
			{Text: c.Name, Bold: true},
			{Text: c.StateText, Color: classColor(c.Class)},
			txt(orDash(reason)),
			txt(fmt.Sprint(c.Objects)),
			txt(orDash(c.Version)),
			txt(orDash(c.Labels)),
		})
	}
	d.table([]float64{0.13, 0.2, 0.3, 0.09, 0.1, 0.18},
		[]string{"Cluster", "Status", "Reason", "Objects read", "Kubernetes version", "Labels"}, rows, map[int]bool{3: true})
}

func (d *pdfDoc) controls(v *auditView) {
	d.heading("3. Controls and evidence", 1)
	d.para("Pass: every checked resource meets the control. Fail: at least one resource does not; the resources and the reasons are listed. "+
		"Manual check: cannot be checked automatically and needs a person to review it. Not applicable: nothing in the cluster is subject to it.", 9, colMuted)
	for _, fw := range v.Frameworks {
		d.heading(fw.Name+" ("+fw.Key+")", 2)
		if len(fw.Controls) == 0 {
			d.para("No controls were evaluated for this framework.", 10, colInk)
			continue
		}
		var rows [][]pdfCell
		for _, c := range fw.Controls {
			ctl := c.ID + "\n" + c.Title
			if c.Policies != "" {
				ctl += "\nchecked by " + c.Policies
			}
			result := c.StatusText
			if c.Passed+c.Failed > 0 {
				result += fmt.Sprintf("\n%d passed, %d failed", c.Passed, c.Failed)
			}
			var per []string
			for _, s := range c.Clusters {
				per = append(per, s.Cluster+": "+s.Text)
			}
			var ev []string
			for _, e := range c.Evidence {
				line := strings.ToUpper(e.Severity) + " "
				if e.Cluster != "" {
					line += e.Cluster + " "
				}
				line += e.Resource + ": " + e.Message
				if e.Excepted != "" {
					line += " [" + e.Excepted + "]"
				}
				ev = append(ev, "- "+line)
			}
			if c.More > 0 {
				ev = append(ev, fmt.Sprintf("and %d more failing resource(s) not listed.", c.More))
			}
			rows = append(rows, []pdfCell{
				txt(ctl),
				{Text: result, Color: classColor(c.Status), Bold: true},
				txt(orDash(strings.Join(per, "\n"))),
				txt(orDash(strings.Join(ev, "\n"))),
			})
		}
		d.table([]float64{0.24, 0.13, 0.17, 0.46}, []string{"Control", "Result", "Per cluster", "Evidence"}, rows, nil)
	}
}

func (d *pdfDoc) exceptions(v *auditView) {
	d.heading("4. Exceptions", 1)
	d.para("Exceptions are approved, time-limited waivers for known findings. An expired exception no longer hides anything: its findings count again.", 9, colMuted)
	if len(v.Exceptions) == 0 {
		d.para("No exceptions are in force.", 10, colInk)
		return
	}
	var rows [][]pdfCell
	for _, e := range v.Exceptions {
		rows = append(rows, []pdfCell{
			{Text: e.Policy, Mono: true}, txt(e.Reason), txt(orDash(e.Ticket)), txt(orDash(e.Approver)),
			txt(e.Expires), {Text: e.Status, Color: classColor(e.Class), Bold: true}, txt(fmt.Sprint(e.Matched)),
		})
	}
	d.table([]float64{0.15, 0.23, 0.09, 0.16, 0.1, 0.17, 0.1},
		[]string{"Policy", "Reason", "Ticket", "Approved by", "Expires", "Status", "Findings covered"}, rows, map[int]bool{6: true})
}

func (d *pdfDoc) changes(v *auditView) {
	d.heading("5. Changes since the previous audit", 1)
	c := v.Changes
	if !c.Previous {
		d.para("No previous audit is stored, so there is nothing to compare with yet.", 10, colInk)
		return
	}
	d.para("Compared with the audit of "+c.PreviousTime+".", 9, colMuted)
	list := func(title string, total int, fs []findingView, more int) {
		d.heading(fmt.Sprintf("%s: %d", title, total), 2)
		if len(fs) == 0 {
			d.para("None.", 10, colInk)
			return
		}
		var rows [][]pdfCell
		for _, f := range fs {
			msg := f.Message
			if f.Excepted != "" {
				msg += " [" + f.Excepted + "]"
			}
			rows = append(rows, []pdfCell{
				txt(orDash(f.Cluster)), {Text: f.Resource, Mono: true},
				txt(strings.ToUpper(f.Severity) + " " + f.Title + " (" + f.Policy + ")"), txt(msg),
			})
		}
		d.table([]float64{0.13, 0.27, 0.25, 0.35}, []string{"Cluster", "Resource", "Problem", "Details"}, rows, nil)
		if more > 0 {
			d.para(fmt.Sprintf("and %d more not listed.", more), 9, colMuted)
		}
	}
	list("New findings", c.NewCount, c.New, c.MoreNew)
	list("Resolved findings", c.ResolvedCount, c.Resolved, c.MoreSolved)
}

func (d *pdfDoc) trend(v *auditView) {
	d.heading("6. Score trend", 1)
	t := v.Trend
	if t.Chart.Empty {
		msg := "The trend needs at least two audits of the whole fleet; none is stored."
		if len(t.Rows) > 0 {
			msg = "The trend needs at least two audits of the whole fleet; only this one is stored so far."
		}
		d.para(msg, 10, colInk)
	} else {
		d.para("Fleet-wide score per framework at each stored audit.", 9, colMuted)
		d.lineChart(t.Chart)
	}
	if len(t.Rows) == 0 {
		return
	}
	n := len(t.Names)
	fracs := []float64{0.2, 0.16}
	numeric := map[int]bool{}
	for i := range t.Names {
		fracs = append(fracs, 0.64/float64(n))
		numeric[i+2] = true
	}
	header := append([]string{"Audit", "Scope"}, t.Names...)
	var rows [][]pdfCell
	for _, r := range t.Rows {
		row := []pdfCell{txt(r.Time), txt(r.Cluster)}
		for _, val := range r.Values {
			row = append(row, txt(orDash(val)))
		}
		rows = append(rows, row)
	}
	d.table(fracs, header, rows, numeric)
}

// lineChart redraws the HTML trend chart, scaled from SVG units to mm.
func (d *pdfDoc) lineChart(c lineChart) {
	scale := d.width / float64(c.Width)
	h := float64(c.Height) * scale
	d.need(h + 4)
	x0, y0 := pdfMargin, d.f.GetY()
	px := func(s string) float64 {
		var f float64
		fmt.Sscan(s, &f)
		return f * scale
	}
	d.f.SetLineWidth(0.2)
	d.f.SetDrawColor(colLine[0], colLine[1], colLine[2])
	d.font("", 7.5, colMuted)
	for _, g := range c.Grid {
		y := y0 + px(g.Y)
		d.f.Line(x0+float64(c.Left)*scale, y, x0+float64(c.Right)*scale, y)
		d.f.SetXY(x0, y-2)
		d.f.CellFormat(float64(c.Left)*scale, 4, g.Label, "", 0, "L", false, 0, "")
	}
	for _, l := range c.XLabels {
		d.f.SetXY(x0+px(l.X)-12, y0+float64(c.AxisY)*scale-3)
		d.f.CellFormat(24, 4, l.Text, "", 0, "C", false, 0, "")
	}
	d.f.SetLineWidth(0.6)
	for _, s := range c.Series {
		col := hexColor(s.Color)
		d.f.SetDrawColor(col[0], col[1], col[2])
		d.f.SetFillColor(col[0], col[1], col[2])
		for i, p := range s.Dots {
			x, y := x0+px(p.X), y0+px(p.Y)
			if i > 0 {
				prev := s.Dots[i-1]
				d.f.Line(x0+px(prev.X), y0+px(prev.Y), x, y)
			}
			d.f.Circle(x, y, 0.8, "F")
		}
		ly := y0 + float64(s.LegendY)*scale
		d.f.Rect(x0+float64(c.LegendX)*scale, ly, 3, 3, "F")
		d.font("", 8, colInk)
		d.f.SetXY(x0+float64(c.LegendTextX)*scale, ly-0.5)
		d.f.CellFormat(d.width-float64(c.LegendTextX)*scale, 4, pdfText(s.Name), "", 0, "L", false, 0, "")
	}
	d.f.SetLineWidth(0.2)
	d.f.SetXY(pdfMargin, y0+h+2)
}

// hexColor parses "#RRGGBB".
func hexColor(s string) rgb {
	var c rgb
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &c[0], &c[1], &c[2]); err != nil {
		return colInk
	}
	return c
}

func (d *pdfDoc) provenance(v *auditView) {
	d.heading("7. Provenance", 1)
	d.para("What produced this report, so an auditor can reproduce it.", 9, colMuted)
	var rows [][]pdfCell
	for _, kv := range v.Provenance {
		rows = append(rows, []pdfCell{{Text: kv.Key, Bold: true}, {Text: kv.Value, Mono: true}})
	}
	d.table([]float64{0.3, 0.7}, []string{"Item", "Value"}, rows, nil)
	if len(v.Snapshots) > 0 {
		d.heading("Snapshot digests", 2)
		rows = rows[:0]
		for _, kv := range v.Snapshots {
			rows = append(rows, []pdfCell{txt(kv.Key), {Text: kv.Value, Mono: true}})
		}
		d.table([]float64{0.3, 0.7}, []string{"Cluster", "Digest of the objects read"}, rows, nil)
	}
}
