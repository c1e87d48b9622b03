package gatekeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/constraints"
	yamlv3 "go.yaml.in/yaml/v3"
	admissionv1 "k8s.io/api/admission/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
)

// Suite file identity, as gator defines it.
const (
	SuiteGroup = "test.gatekeeper.sh"
	SuiteKind  = "Suite"
)

// Suite is a gator Suite file: tests pairing a template and a constraint
// with cases. Paths inside are relative to the suite file.
type Suite struct {
	Path  string `yaml:"-"`
	Tests []Test `yaml:"tests"`
	Skip  bool   `yaml:"skip"`
}

// Test pairs a template and a constraint with cases to run.
type Test struct {
	Name       string `yaml:"name"`
	Template   string `yaml:"template"`
	Constraint string `yaml:"constraint"`
	Cases      []Case `yaml:"cases"`
	// Invalid says the constraint must fail its template's schema.
	Invalid bool `yaml:"invalid"`
	Skip    bool `yaml:"skip"`
}

// Case reviews one object against the test's constraint.
type Case struct {
	Name       string      `yaml:"name"`
	Object     string      `yaml:"object"`
	Inventory  []string    `yaml:"inventory"`
	Assertions []Assertion `yaml:"assertions"`
	Skip       bool        `yaml:"skip"`
}

// Assertion states how many results match. Violations is "yes" (the
// default: at least one), "no" (none) or a count N (exactly N); YAML's
// yes and no are strings here, as in YAML 1.2. Message, when set, is an
// unanchored, case-sensitive regular expression and only results whose
// message matches are counted.
type Assertion struct {
	Violations yamlv3.Node `yaml:"violations"`
	Message    *string     `yaml:"message"`
}

// SuiteResult is the outcome of one suite file.
type SuiteResult struct {
	Path    string
	Skipped bool
	Error   error
	Runtime time.Duration
	Tests   []TestResult
}

// TestResult is the outcome of one test of a suite.
type TestResult struct {
	Name    string
	Skipped bool
	Error   error
	Runtime time.Duration
	Cases   []CaseResult
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name    string
	Skipped bool
	Error   error
	Runtime time.Duration
}

// Failed reports whether the suite, or any of its tests or cases, failed.
func (r *SuiteResult) Failed() bool {
	if r.Error != nil {
		return true
	}
	for i := range r.Tests {
		if r.Tests[i].Failed() {
			return true
		}
	}
	return false
}

// Failed reports whether the test or any of its cases failed.
func (r *TestResult) Failed() bool {
	if r.Error != nil {
		return true
	}
	for _, c := range r.Cases {
		if c.Error != nil {
			return true
		}
	}
	return false
}

// FindSuites expands paths into suite files, sorted per path: a file is
// taken as is, a directory contributes the YAML files directly in it, and
// "DIR/..." every YAML file below DIR. Files that are not Suites are left
// out.
func FindSuites(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		recursive := false
		if p == "..." || strings.HasSuffix(p, "/...") {
			recursive = true
			p = strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
			if p == "" {
				p = "."
			}
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		var files []string
		switch {
		case !info.IsDir() && recursive:
			return nil, fmt.Errorf("%s/...: can only recurse into directories", p)
		case !info.IsDir():
			files = append(files, p)
		case recursive:
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && isYAML(path) {
					files = append(files, path)
				}
				return nil
			})
		default:
			var entries []os.DirEntry
			entries, err = os.ReadDir(p)
			for _, e := range entries {
				if !e.IsDir() && isYAML(e.Name()) {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			ok, err := isSuiteFile(f)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

func isYAML(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return true
	}
	return false
}

var suiteHeader = regexp.MustCompile(`(?m)^kind:\s*["']?Suite["']?\s*$`)

// isSuiteFile reads the file's kind and group without decoding the rest, so
// templates and objects beside suites cost little.
func isSuiteFile(name string) (bool, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return false, err
	}
	if !suiteHeader.Match(data) {
		return false, nil
	}
	var head struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yamlv3.Unmarshal(data, &head); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	group, _, _ := strings.Cut(head.APIVersion, "/")
	return head.Kind == SuiteKind && group == SuiteGroup, nil
}

// ReadSuite parses a suite file.
func ReadSuite(name string) (*Suite, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s := &Suite{}
	if err := yamlv3.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.Path = name
	return s, nil
}

// Verifier runs suites. Templates are compiled once per file and reused
// by every test and case that names them; each case still starts from
// fresh state (its constraint and its own inventory). A Verifier is safe
// for concurrent use.
type Verifier struct {
	mu    sync.Mutex
	cache map[string]*compiled
	// Run, when set, selects tests and cases: a case runs when the regular
	// expression matches "test/case" or the test name.
	Run *regexp.Regexp
}

type compiled struct {
	once sync.Once
	set  *Set
	tmpl *Template
	err  error
	mu   sync.Mutex // one test at a time per compiled template
}

// NewVerifier returns a Verifier with an empty template cache.
func NewVerifier() *Verifier { return &Verifier{cache: map[string]*compiled{}} }

// Verify runs every suite file, in parallel across files, and returns the
// results in the order of files.
func (v *Verifier) Verify(ctx context.Context, files []string) []SuiteResult {
	out := make([]SuiteResult, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = v.RunFile(ctx, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// RunFile reads and runs one suite file.
func (v *Verifier) RunFile(ctx context.Context, file string) SuiteResult {
	start := time.Now()
	s, err := ReadSuite(file)
	if err != nil {
		return SuiteResult{Path: file, Error: err, Runtime: time.Since(start)}
	}
	r := v.RunSuite(ctx, s)
	r.Runtime = time.Since(start)
	return r
}

// RunSuite runs the tests of a parsed suite.
func (v *Verifier) RunSuite(ctx context.Context, s *Suite) SuiteResult {
	start := time.Now()
	r := SuiteResult{Path: s.Path}
	if s.Skip {
		r.Skipped = true
		return r
	}
	dir := filepath.Dir(s.Path)
	for i := range s.Tests {
		t := &s.Tests[i]
		if t.Skip || !v.selects(t.Name, "") {
			r.Tests = append(r.Tests, TestResult{Name: t.Name, Skipped: true})
			continue
		}
		r.Tests = append(r.Tests, v.runTest(ctx, dir, t))
	}
	r.Runtime = time.Since(start)
	return r
}

func (v *Verifier) selects(test, cas string) bool {
	if v.Run == nil {
		return true
	}
	if cas == "" {
		return true // decided per case
	}
	return v.Run.MatchString(test) || v.Run.MatchString(test+"/"+cas)
}

func (v *Verifier) template(ctx context.Context, file string) (*compiled, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	c, ok := v.cache[abs]
	if !ok {
		c = &compiled{}
		v.cache[abs] = c
	}
	v.mu.Unlock()
	c.once.Do(func() {
		c.tmpl, c.set, c.err = compileTemplateFile(ctx, file)
	})
	return c, c.err
}

func compileTemplateFile(ctx context.Context, file string) (*Template, *Set, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("reading ConstraintTemplate: %w", err)
	}
	docs, err := ReadDocs(file, data)
	if err != nil {
		return nil, nil, err
	}
	if len(docs) != 1 {
		return nil, nil, fmt.Errorf("%s: want one ConstraintTemplate, found %d documents", file, len(docs))
	}
	t, err := ParseTemplate(docs[0])
	if err != nil {
		return nil, nil, err
	}
	s, err := NewSet()
	if err != nil {
		return nil, nil, err
	}
	if err := s.AddTemplate(ctx, t); err != nil {
		return nil, nil, err
	}
	return t, s, nil
}

func (v *Verifier) runTest(ctx context.Context, dir string, t *Test) TestResult {
	start := time.Now()
	r := TestResult{Name: t.Name}
	fail := func(err error) TestResult {
		r.Error, r.Runtime = err, time.Since(start)
		return r
	}
	if t.Template == "" {
		return fail(errors.New("invalid suite: missing template"))
	}
	if t.Constraint == "" {
		return fail(errors.New("invalid suite: missing constraint"))
	}
	c, err := v.template(ctx, resolve(dir, t.Template))
	if err != nil {
		return fail(err)
	}
	cfile := resolve(dir, t.Constraint)
	data, err := os.ReadFile(cfile)
	if err != nil {
		return fail(fmt.Errorf("reading Constraint: %w", err))
	}
	docs, err := ReadDocs(cfile, data)
	if err != nil {
		return fail(err)
	}
	if len(docs) != 1 {
		return fail(fmt.Errorf("%s: want one Constraint, found %d documents", cfile, len(docs)))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	con, err := c.set.AddConstraint(ctx, docs[0])
	if t.Invalid {
		if err == nil {
			c.set.RemoveConstraint(ctx, con)
			return fail(fmt.Errorf("%s: the constraint is valid, but the test says invalid: true", cfile))
		}
		if !errors.Is(err, constraints.ErrSchema) {
			return fail(fmt.Errorf("want a schema validation error, got: %w", err))
		}
		r.Runtime = time.Since(start)
		return r
	}
	if err != nil {
		return fail(err)
	}
	defer c.set.RemoveConstraint(ctx, con)
	for i := range t.Cases {
		tc := &t.Cases[i]
		if tc.Skip || !v.selects(t.Name, tc.Name) {
			r.Cases = append(r.Cases, CaseResult{Name: tc.Name, Skipped: true})
			continue
		}
		cs := time.Now()
		err := runCase(ctx, c.set, con, dir, tc)
		r.Cases = append(r.Cases, CaseResult{Name: tc.Name, Error: err, Runtime: time.Since(cs)})
	}
	r.Runtime = time.Since(start)
	return r
}

func runCase(ctx context.Context, s *Set, con *Constraint, dir string, tc *Case) error {
	if tc.Object == "" {
		return errors.New("invalid case: must define object")
	}
	if len(tc.Assertions) == 0 {
		return errors.New("invalid case: assertions must be non-empty")
	}
	file := resolve(dir, tc.Object)
	objs, err := readObjects(file)
	if err != nil {
		return err
	}
	if len(objs) != 1 {
		return fmt.Errorf("%s defines %d objects, want exactly one", file, len(objs))
	}
	var inv []map[string]any
	for _, p := range tc.Inventory {
		more, err := readObjects(resolve(dir, p))
		if err != nil {
			return err
		}
		for _, d := range more {
			inv = append(inv, d.Obj.Object)
		}
	}
	r := &Review{Point: PointScan}
	if len(inv) > 0 {
		if r.Inventory, err = NewInventory(inv); err != nil {
			return err
		}
	}
	o := objs[0].Obj
	if o.GetKind() == "AdmissionReview" && o.GroupVersionKind().Group == admissionv1.SchemeGroupVersion.Group {
		if r.Request, err = admissionRequest(o.Object); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	} else {
		r.Object = o.Object
	}
	outs, err := s.Review(ctx, r, []*Constraint{con})
	if err != nil {
		return fmt.Errorf("reviewing %s: %w", file, err)
	}
	var msgs []string
	for _, out := range outs {
		for _, v := range out.Violations {
			msgs = append(msgs, v.Msg)
		}
	}
	for i := range tc.Assertions {
		if err := tc.Assertions[i].check(msgs); err != nil {
			return err
		}
	}
	return nil
}

// resolve returns p relative to the suite's directory; absolute paths stay.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func readObjects(file string) ([]Doc, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	docs, err := ReadDocs(file, data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s defines no YAML objects", file)
	}
	return docs, nil
}

// admissionRequest validates an AdmissionReview as the API server would
// (no unknown fields, a request with an object or an oldObject) and returns
// its request in the form Gatekeeper gives templates.
func admissionRequest(obj map[string]any) (map[string]any, error) {
	var ar admissionv1.AdmissionReview
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, &ar, true); err != nil {
		return nil, fmt.Errorf("invalid AdmissionReview: %w", err)
	}
	if ar.Request == nil {
		return nil, errors.New("invalid AdmissionReview: no request")
	}
	if ar.Request.Object.Raw == nil && ar.Request.OldObject.Raw == nil {
		return nil, errors.New("invalid AdmissionReview: the request has neither object nor oldObject")
	}
	raw, err := json.Marshal(ar.Request)
	if err != nil {
		return nil, err
	}
	var req map[string]any
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	return req, nil
}

// check applies the assertion to the messages of every result.
func (a *Assertion) check(msgs []string) error {
	var re *regexp.Regexp
	if a.Message != nil {
		var err error
		if re, err = regexp.Compile(*a.Message); err != nil {
			return fmt.Errorf("invalid assertion message regexp %q: %w", *a.Message, err)
		}
	}
	n := 0
	for _, m := range msgs {
		if re == nil || re.MatchString(m) {
			n++
		}
	}
	containing := ""
	if a.Message != nil {
		containing = fmt.Sprintf(" containing %q", *a.Message)
	}
	want, err := a.want()
	if err != nil {
		return err
	}
	var ok bool
	var wantText string
	switch want {
	case -1: // yes
		ok, wantText = n > 0, "at least 1"
	case -2: // no
		ok, wantText = n == 0, "none"
	default:
		ok, wantText = n == want, "exactly "+strconv.Itoa(want)
	}
	if !ok {
		return fmt.Errorf("got %d violations%s but want %s: got messages %q", n, containing, wantText, msgs)
	}
	return nil
}

// want returns -1 for yes, -2 for no, or the count.
func (a *Assertion) want() (int, error) {
	n := &a.Violations
	if n.Kind == 0 {
		return -1, nil
	}
	bad := fmt.Errorf("line %d: assertion violations must be yes, no or a non-negative integer, got %q", n.Line, n.Value)
	if n.Kind != yamlv3.ScalarNode {
		return 0, bad
	}
	switch n.ShortTag() {
	case "!!str":
		switch n.Value {
		case "yes":
			return -1, nil
		case "no":
			return -2, nil
		}
	case "!!int":
		if i, err := strconv.Atoi(n.Value); err == nil && i >= 0 {
			return i, nil
		}
	}
	return 0, bad
}
