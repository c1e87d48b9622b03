package gatekeeper

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// Summary counts the cases of a verify run.
type Summary struct {
	Suites, Passed, Failed, Skipped int
}

// Summarize counts cases; a test or suite that failed before its cases ran
// counts as one failed case.
func Summarize(rs []SuiteResult) Summary {
	s := Summary{Suites: len(rs)}
	for _, r := range rs {
		if r.Error != nil {
			s.Failed++
		}
		for _, t := range r.Tests {
			switch {
			case t.Skipped:
				s.Skipped++
			case t.Error != nil:
				s.Failed++
			}
			for _, c := range t.Cases {
				switch {
				case c.Skipped:
					s.Skipped++
				case c.Error != nil:
					s.Failed++
				default:
					s.Passed++
				}
			}
		}
	}
	return s
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// WriteText prints results as go test does: failures in detail, one "ok" or
// "FAIL" line per suite file, then PASS or FAIL and a summary line. With
// verbose, passing tests and cases are listed too.
func WriteText(w io.Writer, rs []SuiteResult, verbose bool) error {
	for _, r := range rs {
		for _, t := range r.Tests {
			if verbose {
				if t.Skipped {
					fmt.Fprintf(w, "=== SKIP  %s\n", t.Name)
					continue
				}
				fmt.Fprintf(w, "=== RUN   %s\n", t.Name)
			}
			for _, c := range t.Cases {
				switch {
				case c.Error != nil:
					fmt.Fprintf(w, "    --- FAIL: %s (%s)\n        %v\n", c.Name, secs(c.Runtime), c.Error)
				case verbose && c.Skipped:
					fmt.Fprintf(w, "    --- SKIP: %s\n", c.Name)
				case verbose:
					fmt.Fprintf(w, "    --- PASS: %s (%s)\n", c.Name, secs(c.Runtime))
				}
			}
			if t.Failed() {
				fmt.Fprintf(w, "--- FAIL: %s (%s)\n", t.Name, secs(t.Runtime))
				if t.Error != nil {
					fmt.Fprintf(w, "    %v\n", t.Error)
				}
			} else if verbose {
				fmt.Fprintf(w, "--- PASS: %s (%s)\n", t.Name, secs(t.Runtime))
			}
		}
		switch {
		case r.Failed():
			fmt.Fprintf(w, "FAIL\t%s\t%s\n", r.Path, secs(r.Runtime))
			if r.Error != nil {
				fmt.Fprintf(w, "    %v\n", r.Error)
			}
		case r.Skipped:
			fmt.Fprintf(w, "ok  \t%s\t%s [skipped]\n", r.Path, secs(r.Runtime))
		default:
			fmt.Fprintf(w, "ok  \t%s\t%s\n", r.Path, secs(r.Runtime))
		}
	}
	s := Summarize(rs)
	verdict := "PASS"
	if s.Failed > 0 {
		verdict = "FAIL"
	}
	_, err := fmt.Fprintf(w, "%s\n%d suites, %d cases: %d passed, %d failed, %d skipped\n", verdict, s.Suites, s.Passed+s.Failed+s.Skipped, s.Passed, s.Failed, s.Skipped)
	return err
}

type jsonCase struct {
	Name    string  `json:"name"`
	Skipped bool    `json:"skipped,omitempty"`
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
}

type jsonTest struct {
	Name    string     `json:"name"`
	Skipped bool       `json:"skipped,omitempty"`
	Error   string     `json:"error,omitempty"`
	Seconds float64    `json:"seconds"`
	Cases   []jsonCase `json:"cases,omitempty"`
}

type jsonSuite struct {
	Path    string     `json:"path"`
	Passed  bool       `json:"passed"`
	Skipped bool       `json:"skipped,omitempty"`
	Error   string     `json:"error,omitempty"`
	Seconds float64    `json:"seconds"`
	Tests   []jsonTest `json:"tests,omitempty"`
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// WriteJSON writes {"suites": [...], "summary": {...}}.
func WriteJSON(w io.Writer, rs []SuiteResult) error {
	doc := struct {
		Suites  []jsonSuite `json:"suites"`
		Summary Summary     `json:"summary"`
	}{Suites: []jsonSuite{}, Summary: Summarize(rs)}
	for _, r := range rs {
		js := jsonSuite{Path: r.Path, Passed: !r.Failed(), Skipped: r.Skipped, Error: errText(r.Error), Seconds: r.Runtime.Seconds()}
		for _, t := range r.Tests {
			jt := jsonTest{Name: t.Name, Skipped: t.Skipped, Error: errText(t.Error), Seconds: t.Runtime.Seconds()}
			for _, c := range t.Cases {
				jt.Cases = append(jt.Cases, jsonCase{Name: c.Name, Skipped: c.Skipped, Error: errText(c.Error), Seconds: c.Runtime.Seconds()})
			}
			js.Tests = append(js.Tests, jt)
		}
		doc.Suites = append(doc.Suites, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

// WriteJUnit writes one <testsuite> per suite file and one <testcase> per
// case; a test that failed before its cases ran is one failed testcase.
func WriteJUnit(w io.Writer, rs []SuiteResult) error {
	type suites struct {
		XMLName xml.Name     `xml:"testsuites"`
		Suites  []junitSuite `xml:"testsuite"`
	}
	var doc suites
	for _, r := range rs {
		js := junitSuite{Name: r.Path, Time: fmt.Sprintf("%.3f", r.Runtime.Seconds())}
		add := func(c junitCase) {
			js.Tests++
			if c.Failure != nil {
				js.Failures++
			}
			if c.Skipped != nil {
				js.Skipped++
			}
			js.Cases = append(js.Cases, c)
		}
		if r.Error != nil {
			add(junitCase{Name: "suite", Classname: r.Path, Time: "0.000", Failure: &junitFailure{Message: "suite failed", Text: r.Error.Error()}})
		}
		for _, t := range r.Tests {
			cls := r.Path + "/" + t.Name
			if t.Skipped {
				add(junitCase{Name: t.Name, Classname: cls, Time: "0.000", Skipped: &struct{}{}})
				continue
			}
			if t.Error != nil {
				add(junitCase{Name: t.Name, Classname: cls, Time: fmt.Sprintf("%.3f", t.Runtime.Seconds()), Failure: &junitFailure{Message: "test failed", Text: t.Error.Error()}})
			}
			for _, c := range t.Cases {
				jc := junitCase{Name: c.Name, Classname: cls, Time: fmt.Sprintf("%.3f", c.Runtime.Seconds())}
				if c.Skipped {
					jc.Skipped = &struct{}{}
				}
				if c.Error != nil {
					jc.Failure = &junitFailure{Message: "case failed", Text: c.Error.Error()}
				}
				add(jc)
			}
		}
		doc.Suites = append(doc.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
