package reports

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// History is what the store knows about earlier audits, for the HTML and
// PDF reports. It is optional: a nil History (or one with a zero
// PreviousAuditTime) reads as "no previous audit".
type History struct {
	// PreviousAuditTime is when the audit that New and Resolved compare
	// against ran. Zero means there was none.
	PreviousAuditTime time.Time
	// Trend holds stored scores, oldest first or in any order; reports sort
	// them by time. Points of the current audit may be included or not: the
	// reports add the current fleet scores when no point has its time.
	Trend []TrendPoint
	// New are findings present now and absent from the previous audit;
	// Resolved are findings of the previous audit that are gone now.
	New, Resolved []engine.Finding
}

// TrendPoint is one stored score: a framework's percentage in one cluster
// (Cluster empty for the whole fleet) at the time of one audit.
type TrendPoint struct {
	Time      time.Time
	Framework string
	Cluster   string
	Percent   float64
}

// Limits that keep reports readable; what is left out is always counted.
const (
	evidenceCap = 10 // failing resources listed per control
	changesCap  = 50 // new or resolved findings listed
)

// frameworkNames gives the plain name of the frameworks we ship mappings for.
var frameworkNames = map[string]string{
	"cis-k8s-v1.10": "CIS Kubernetes Benchmark v1.10",
	"nsa-cisa-v1.2": "NSA/CISA Kubernetes Hardening Guide v1.2",
	"pss":           "Kubernetes Pod Security Standards",
}

// frameworkName returns the plain name of a framework key, or the key.
func frameworkName(key string) string {
	if n, ok := frameworkNames[key]; ok {
		return n
	}
	return key
}

// auditView is a Result (and its History) arranged for reading: everything
// the HTML template and the PDF writer show, computed once, in a fixed
// order, so both formats carry the same content.
type auditView struct {
	Title      string
	Time       string
	Summary    summaryView
	Clusters   []clusterView
	Frameworks []frameworkView
	Exceptions []exceptionView
	Changes    changesView
	Trend      trendView
	Provenance []keyValue
	Snapshots  []keyValue
	Problems   []problemView
}

type summaryView struct {
	Clusters, Complete, Partial, Unreachable int
	Open, Excepted, ExpiredExceptions        int
	BySeverity                               []keyValue // open findings per severity, worst first
}

type keyValue struct{ Key, Value string }

type clusterView struct {
	Name, State, StateText, Class string
	Reasons                       []string
	Missing                       string
	Version, Snapshot             string
	Objects                       int
	Labels                        string
}

type scoreCell struct {
	Cluster string // "" for the fleet
	Label   string // "Whole fleet" or the cluster name
	Known   bool
	Percent float64
	Text    string // "66.7%" or "not assessed"
	Detail  string // "2 pass, 1 fail, 3 manual, 1 not applicable"
	Note    string // why a cluster score is missing or incomplete
}

type frameworkView struct {
	Key, Name string
	Scores    []scoreCell // fleet first, then each cluster
	Controls  []controlView
	Chart     barChart
}

type statusCell struct{ Cluster, Status, Text string }

type controlView struct {
	ID, Title          string
	Status, StatusText string
	Clusters           []statusCell
	Policies           string
	Passed, Failed     int
	Evidence           []findingView
	More               int
}

type findingView struct {
	Cluster, Resource, Policy, Title, Message, Severity string
	Excepted                                            string // the exception's reason and ticket, if any
}

type exceptionView struct {
	Policy, Reason, Ticket, Approver, Expires string
	Status, Class                             string
	Matched                                   int
}

type changesView struct {
	Previous                bool
	PreviousTime            string
	New, Resolved           []findingView
	MoreNew, MoreSolved     int
	NewCount, ResolvedCount int
}

type trendView struct {
	Frameworks []string // keys, with names in Names
	Names      []string
	Rows       []trendRow
	Chart      lineChart
}

type trendRow struct {
	Time, Cluster string
	Values        []string // per framework; "" when not stored
}

// view arranges r and h for reading.
func view(r *engine.Result, h *History) *auditView {
	v := &auditView{Time: formatTime(r.Provenance.Time)}
	v.Title = "Fleet compliance report"
	if v.Time != "" {
		v.Title += " – " + v.Time
	}
	v.Summary = summarize(r)
	v.Clusters = clusterViews(r)
	v.Frameworks = frameworkViews(r)
	v.Exceptions = exceptionViews(r)
	v.Changes = changes(h)
	v.Trend = trend(r, h, v.Frameworks)
	v.Provenance, v.Snapshots = provenance(r, h)
	v.Problems = problems(r)
	return v
}

// formatTime writes t in UTC to the minute, or "" when t is zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func summarize(r *engine.Result) summaryView {
	s := summaryView{Clusters: len(r.Clusters)}
	for _, c := range r.Clusters {
		switch c.State {
		case engine.ClusterComplete:
			s.Complete++
		case engine.ClusterPartial:
			s.Partial++
		default:
			s.Unreachable++
		}
	}
	bySev := map[engine.Severity]int{}
	for _, f := range r.Findings {
		if f.Excepted != nil {
			s.Excepted++
			continue
		}
		s.Open++
		bySev[f.Severity]++
	}
	for sev := engine.SeverityCritical; sev >= engine.SeverityInfo; sev-- {
		if n := bySev[sev]; n > 0 {
			s.BySeverity = append(s.BySeverity, keyValue{sev.String(), fmt.Sprint(n)})
		}
	}
	for _, e := range r.Exceptions {
		if e.Expired {
			s.ExpiredExceptions++
		}
	}
	return s
}

var clusterStates = map[string][2]string{
	engine.ClusterComplete:    {"Complete: every kind of object was read", "ok"},
	engine.ClusterPartial:     {"Partial: some objects could not be read, so results may be incomplete", "warn"},
	engine.ClusterUnreachable: {"Unreachable: the cluster could not be read and was not assessed", "bad"},
}

func clusterViews(r *engine.Result) []clusterView {
	out := make([]clusterView, 0, len(r.Clusters))
	for _, c := range r.Clusters {
		st, ok := clusterStates[c.State]
		if !ok {
			st = [2]string{"Unknown state " + c.State, "bad"}
		}
		cv := clusterView{
			Name: c.Name, State: c.State, StateText: st[0], Class: st[1],
			Reasons: c.Errors, Version: c.ServerVersion, Objects: c.Objects,
			Snapshot: c.SnapshotDigest, Labels: joinLabels(c.Labels),
		}
		if cv.Snapshot == "" {
			cv.Snapshot = r.Provenance.SnapshotDigests[c.Name]
		}
		if len(c.MissingKinds) > 0 {
			cv.Missing = strings.Join(c.MissingKinds, ", ")
		}
		out = append(out, cv)
	}
	return out
}

func joinLabels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// frameworksOf lists every framework named by a score or a control, sorted.
func frameworksOf(r *engine.Result) []string {
	seen := map[string]bool{}
	for _, s := range r.Scores {
		seen[s.Framework] = true
	}
	for _, c := range r.Controls {
		seen[c.Framework] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func percentText(p float64) string { return fmt.Sprintf("%.1f%%", p) }

func frameworkViews(r *engine.Result) []frameworkView {
	scores := map[[2]string]engine.Score{}
	for _, s := range r.Scores {
		scores[[2]string{s.Framework, s.Cluster}] = s
	}
	states := map[string]string{}
	for _, c := range r.Clusters {
		states[c.Name] = c.State
	}
	findings := sortedFindings(r)
	var out []frameworkView
	for _, fw := range frameworksOf(r) {
		fv := frameworkView{Key: fw, Name: frameworkName(fw)}
		cell := func(cluster, label string) scoreCell {
			c := scoreCell{Cluster: cluster, Label: label, Text: "not assessed"}
			if s, ok := scores[[2]string{fw, cluster}]; ok {
				c.Known, c.Percent, c.Text = true, s.Percent, percentText(s.Percent)
				if s.Passed+s.Failed == 0 {
					c.Known, c.Text = false, "no automated checks"
				}
				c.Detail = fmt.Sprintf("%d pass, %d fail, %d manual, %d not applicable", s.Passed, s.Failed, s.Manual, s.NotApplicable)
			}
			switch states[cluster] {
			case engine.ClusterPartial:
				c.Note = "partial data"
			case engine.ClusterUnreachable:
				c.Note = "cluster unreachable"
			}
			return c
		}
		fv.Scores = append(fv.Scores, cell("", "Whole fleet"))
		for _, c := range r.Clusters {
			fv.Scores = append(fv.Scores, cell(c.Name, c.Name))
		}
		fv.Controls = controlViews(r, fw, findings)
		fv.Chart = bars(fv.Scores)
		out = append(out, fv)
	}
	return out
}

var statusTexts = map[string]string{
	engine.ControlPass:          "Pass",
	engine.ControlFail:          "Fail",
	engine.ControlManual:        "Manual check",
	engine.ControlNotApplicable: "Not applicable",
}

func statusText(s string) string {
	if t, ok := statusTexts[s]; ok {
		return t
	}
	return s
}

// controlViews lists the controls of one framework in natural order of
// their ids, with the fleet verdict (recorded, or derived from the
// clusters: any fail fails) and the evidence from the findings.
func controlViews(r *engine.Result, fw string, findings []*engine.Finding) []controlView {
	byID := map[string]*controlView{}
	fleet := map[string]bool{}
	var ids []string
	for _, c := range r.Controls {
		if c.Framework != fw {
			continue
		}
		cv := byID[c.Control]
		if cv == nil {
			cv = &controlView{ID: c.Control, Title: c.Title}
			byID[c.Control] = cv
			ids = append(ids, c.Control)
		}
		if cv.Title == "" {
			cv.Title = c.Title
		}
		pol := append(strings.Split(cv.Policies, ", "), c.Policies...)
		pol = slices.DeleteFunc(pol, func(s string) bool { return s == "" })
		sort.Strings(pol)
		cv.Policies = strings.Join(slices.Compact(pol), ", ")
		if c.Cluster == "" {
			fleet[c.Control] = true
			cv.Status, cv.Passed, cv.Failed = c.Status, c.Passed, c.Failed
			continue
		}
		cv.Clusters = append(cv.Clusters, statusCell{c.Cluster, c.Status, statusText(c.Status)})
		if !fleet[c.Control] {
			cv.Status = worse(cv.Status, c.Status)
			cv.Passed += c.Passed
			cv.Failed += c.Failed
		}
	}
	// One pass over the findings, in their order, gives each control its
	// evidence (a fleet's findings times its controls was seconds).
	for _, f := range findings {
		ctl := f.Controls[fw]
		for j, id := range ctl {
			cv := byID[id]
			if cv == nil || slices.Index(ctl, id) < j { // unknown, or listed twice
				continue
			}
			if len(cv.Evidence) == evidenceCap {
				cv.More++
				continue
			}
			cv.Evidence = append(cv.Evidence, findingOf(f))
		}
	}
	sort.Slice(ids, func(i, j int) bool { return naturalLess(ids[i], ids[j]) })
	out := make([]controlView, 0, len(ids))
	for _, id := range ids {
		cv := byID[id]
		cv.StatusText = statusText(cv.Status)
		sort.SliceStable(cv.Clusters, func(i, j int) bool { return cv.Clusters[i].Cluster < cv.Clusters[j].Cluster })
		out = append(out, *cv)
	}
	return out
}

// statusRank orders control statuses for the fleet verdict.
var statusRank = map[string]int{
	"": 0, engine.ControlNotApplicable: 1, engine.ControlManual: 2, engine.ControlPass: 3, engine.ControlFail: 4,
}

func worse(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

// naturalLess orders "5.1.10" after "5.1.2" by comparing digit runs as
// numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func findingOf(f *engine.Finding) findingView {
	fv := findingView{
		Cluster: f.Cluster, Resource: f.Resource.String(), Policy: f.PolicyID,
		Title: f.Title, Message: f.Message, Severity: f.Severity.String(),
	}
	if e := f.Excepted; e != nil {
		fv.Excepted = "Excepted: " + e.Reason
		if e.Ticket != "" {
			fv.Excepted += " (" + e.Ticket + ")"
		}
	}
	return fv
}

func exceptionViews(r *engine.Result) []exceptionView {
	out := make([]exceptionView, 0, len(r.Exceptions))
	for _, e := range r.Exceptions {
		ev := exceptionView{
			Policy: e.Policy, Reason: e.Reason, Ticket: e.Ticket, Approver: e.Approver,
			Expires: e.Expires, Matched: e.Matched, Status: "Active", Class: "ok",
		}
		switch {
		case e.Expired:
			ev.Status, ev.Class = "Expired: no longer applied", "bad"
		case e.Matched == 0:
			ev.Status, ev.Class = "Active, but matched nothing", "warn"
		}
		if ev.Expires == "" {
			ev.Expires = "never"
		}
		out = append(out, ev)
	}
	return out
}

func changes(h *History) changesView {
	if h == nil || h.PreviousAuditTime.IsZero() {
		return changesView{}
	}
	cv := changesView{Previous: true, PreviousTime: formatTime(h.PreviousAuditTime)}
	list := func(changed []engine.Finding) ([]findingView, int) {
		fs := sortedFindings(&engine.Result{Findings: changed})
		var out []findingView
		for i, f := range fs {
			if i == changesCap {
				return out, len(fs) - changesCap
			}
			out = append(out, findingOf(f))
		}
		return out, 0
	}
	cv.NewCount, cv.ResolvedCount = len(h.New), len(h.Resolved)
	cv.New, cv.MoreNew = list(h.New)
	cv.Resolved, cv.MoreSolved = list(h.Resolved)
	return cv
}

// trend merges the stored points with the current fleet scores into one
// row per audit time and cluster (the fleet first), and charts the fleet.
func trend(r *engine.Result, h *History, fws []frameworkView) trendView {
	var pts []TrendPoint
	now := r.Provenance.Time
	hasNow := false
	if h != nil {
		pts = append(pts, h.Trend...)
		for _, p := range h.Trend {
			hasNow = hasNow || p.Time.Equal(now)
		}
	}
	if !hasNow && !now.IsZero() {
		for _, s := range r.Scores {
			if s.Passed+s.Failed > 0 {
				pts = append(pts, TrendPoint{Time: now, Framework: s.Framework, Cluster: s.Cluster, Percent: s.Percent})
			}
		}
	}
	tv := trendView{}
	seen := map[string]bool{}
	for _, f := range fws {
		seen[f.Key] = true
		tv.Frameworks = append(tv.Frameworks, f.Key)
	}
	var extra []string
	for _, p := range pts {
		if !seen[p.Framework] {
			seen[p.Framework] = true
			extra = append(extra, p.Framework)
		}
	}
	sort.Strings(extra)
	tv.Frameworks = append(tv.Frameworks, extra...)
	col := map[string]int{}
	for i, f := range tv.Frameworks {
		col[f] = i
		tv.Names = append(tv.Names, frameworkName(f))
	}
	type rowKey struct {
		t       int64
		cluster string
	}
	rows := map[rowKey]*trendRow{}
	var keys []rowKey
	for _, p := range pts {
		k := rowKey{p.Time.UnixNano(), p.Cluster}
		row := rows[k]
		if row == nil {
			label := p.Cluster
			if label == "" {
				label = "Whole fleet"
			}
			row = &trendRow{Time: formatTime(p.Time), Cluster: label, Values: make([]string, len(tv.Frameworks))}
			rows[k] = row
			keys = append(keys, k)
		}
		row.Values[col[p.Framework]] = percentText(p.Percent)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.t != b.t {
			return a.t < b.t
		}
		if (a.cluster == "") != (b.cluster == "") {
			return a.cluster == ""
		}
		return a.cluster < b.cluster
	})
	for _, k := range keys {
		tv.Rows = append(tv.Rows, *rows[k])
	}
	tv.Chart = lines(pts, tv.Frameworks, tv.Names)
	return tv
}

func provenance(r *engine.Result, h *History) (info, snaps []keyValue) {
	p := r.Provenance
	orNone := func(s string) string {
		if s == "" {
			return "not recorded"
		}
		return s
	}
	info = []keyValue{
		{"Audit time", orNone(formatTime(p.Time))},
		{"Engine version", orNone(p.EngineVersion)},
		{"Policy bundle digest", orNone(p.BundleDigest)},
		{"Policy bundle revision", orNone(p.BundleRevision)},
	}
	prev := "none stored"
	if h != nil && !h.PreviousAuditTime.IsZero() {
		prev = formatTime(h.PreviousAuditTime)
	}
	info = append(info, keyValue{"Previous audit", prev})
	digests := map[string]string{}
	for k, d := range p.SnapshotDigests {
		digests[k] = d
	}
	for _, c := range r.Clusters {
		if c.SnapshotDigest != "" {
			digests[c.Name] = c.SnapshotDigest
		}
	}
	names := make([]string, 0, len(digests))
	for k := range digests {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		snaps = append(snaps, keyValue{n, digests[n]})
	}
	return info, snaps
}

type problemView struct{ Kind, Text string }

func problems(r *engine.Result) []problemView {
	var out []problemView
	for _, e := range r.Errors {
		k := "Error"
		if e.Warning {
			k = "Warning"
		}
		out = append(out, problemView{k, e.Error()})
	}
	return out
}

// Charts are laid out here, in SVG user units, so the template only copies
// numbers.

// palette colours chart series; it is colour-blind safe (Okabe–Ito).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"}

type barChart struct {
	Width, Height int
	Bars          []bar
}

type bar struct {
	Y, LabelY     int
	Label, Text   string
	Width         string // of the filled part, in user units
	Known         bool
	Class         string
	Title         string
	TrackX, TextX int
}

const (
	barLabelW = 180
	barTrackW = 400
	barRowH   = 26
)

func bars(cells []scoreCell) barChart {
	ch := barChart{Width: barLabelW + barTrackW + 260, Height: len(cells)*barRowH + 8}
	for i, c := range cells {
		b := bar{
			Y: 4 + i*barRowH, LabelY: 4 + i*barRowH + 15, Label: c.Label, Text: c.Text,
			Known: c.Known, TrackX: barLabelW, TextX: barLabelW + barTrackW + 8,
			Title: c.Label + ": " + c.Text,
		}
		if c.Note != "" {
			b.Text += " (" + c.Note + ")"
			b.Title = c.Label + ": " + b.Text
		}
		if c.Known {
			b.Width = fmt.Sprintf("%.1f", c.Percent/100*barTrackW)
			switch {
			case c.Percent >= 90:
				b.Class = "good"
			case c.Percent >= 70:
				b.Class = "fair"
			default:
				b.Class = "poor"
			}
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

type lineChart struct {
	Width, Height        int
	Left, Right, AxisY   int // plot edges and the date axis baseline
	LegendX, LegendTextX int
	Empty                bool
	Grid                 []gridLine
	XLabels              []axisLabel
	Series               []series
}

type gridLine struct {
	Y     string
	Label string
}

type axisLabel struct {
	X    string
	Text string
}

type series struct {
	Name, Color string
	Points      string
	Dots        []dot
	LegendY     int
}

type dot struct{ X, Y, Title string }

const (
	lineW, lineH                        = 860, 260
	lineLeft, lineRight, lineTop, lineB = 48, 330, 12, 40
)

// lines charts the fleet-wide points of each framework over time, one
// evenly spaced column per audit.
func lines(pts []TrendPoint, fws, names []string) lineChart {
	ch := lineChart{
		Width: lineW, Height: lineH, Left: lineLeft, Right: lineW - lineRight, AxisY: lineH - 14,
		LegendX: lineW - lineRight + 24, LegendTextX: lineW - lineRight + 44,
	}
	var times []int64
	for _, p := range pts {
		if p.Cluster == "" {
			times = append(times, p.Time.UnixNano())
		}
	}
	slices.Sort(times)
	times = slices.Compact(times)
	if len(times) < 2 {
		ch.Empty = true
		return ch
	}
	plotW := float64(lineW - lineLeft - lineRight)
	plotH := float64(lineH - lineTop - lineB)
	x := func(i int) float64 { return lineLeft + plotW*float64(i)/float64(len(times)-1) }
	y := func(p float64) float64 { return lineTop + plotH*(100-p)/100 }
	for _, g := range []float64{0, 25, 50, 75, 100} {
		ch.Grid = append(ch.Grid, gridLine{Y: fmt.Sprintf("%.1f", y(g)), Label: fmt.Sprintf("%.0f%%", g)})
	}
	col := map[int64]int{}
	for i, t := range times {
		col[t] = i
		// Label at most about eight columns so dates never overlap.
		if step := (len(times) + 7) / 8; i%step == 0 || i == len(times)-1 {
			ch.XLabels = append(ch.XLabels, axisLabel{
				X: fmt.Sprintf("%.1f", x(i)), Text: time.Unix(0, t).UTC().Format("2006-01-02"),
			})
		}
	}
	for fi, fw := range fws {
		var ps []TrendPoint
		for _, p := range pts {
			if p.Cluster == "" && p.Framework == fw {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			continue
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
		s := series{Name: names[fi], Color: palette[fi%len(palette)], LegendY: lineTop + 10 + len(ch.Series)*22}
		var pp []string
		for _, p := range ps {
			px, py := fmt.Sprintf("%.1f", x(col[p.Time.UnixNano()])), fmt.Sprintf("%.1f", y(p.Percent))
			pp = append(pp, px+","+py)
			s.Dots = append(s.Dots, dot{px, py, fmt.Sprintf("%s, %s: %s", names[fi], formatTime(p.Time), percentText(p.Percent))})
		}
		s.Points = strings.Join(pp, " ")
		ch.Series = append(ch.Series, s)
	}
	return ch
}
