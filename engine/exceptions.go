package engine

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"time"

	"github.com/fleetguard/fleetguard/internal/schema"
	"github.com/fleetguard/fleetguard/internal/yamlsafe"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

//go:embed exceptions.schema.json
var exceptionsSchemaJSON []byte

var compiledExceptionsSchema = schema.Compiled("exceptions.schema.json", exceptionsSchemaJSON, false)

// Exception waives one policy for a scope, for a reason, until a date.
type Exception struct {
	Policy   string         `json:"policy"`
	Scope    ExceptionScope `json:"scope"`
	Reason   string         `json:"reason"`
	Ticket   string         `json:"ticket,omitempty"`
	Approver string         `json:"approver"`
	Expires  string         `json:"expires"` // YYYY-MM-DD, the last day it applies

	expires  time.Time
	clusters labels.Selector
}

// ExceptionScope narrows an exception. Empty fields match everything.
// Namespaces, kinds and names are globs (path.Match syntax: *, ?, [..]).
type ExceptionScope struct {
	Clusters   *metav1.LabelSelector `json:"clusters,omitempty"`
	Namespaces []string              `json:"namespaces,omitempty"`
	Kinds      []string              `json:"kinds,omitempty"`
	Names      []string              `json:"names,omitempty"`
}

// Exceptions is a validated exceptions document.
type Exceptions struct {
	File  string
	Items []*Exception
}

// LoadExceptions reads and validates an exceptions YAML file against
// engine/exceptions.schema.json. Errors name the file and the JSON path.
func LoadExceptions(file string) (*Exceptions, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	return ParseExceptions(file, raw)
}

// ParseExceptions validates and parses an exceptions document.
func ParseExceptions(file string, raw []byte) (*Exceptions, error) {
	js, err := yamlsafe.ToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("exceptions %s: %w", file, err)
	}
	exSchema, err := compiledExceptionsSchema()
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("exceptions %s: %w", file, err)
	}
	if err := validateJSON(exSchema, doc); err != nil {
		return nil, fmt.Errorf("exceptions %s: %w", file, err)
	}
	var parsed struct {
		Exceptions []*Exception `json:"exceptions"`
	}
	if err := json.Unmarshal(js, &parsed); err != nil {
		return nil, fmt.Errorf("exceptions %s: %w", file, err)
	}
	for i, x := range parsed.Exceptions {
		if x.expires, err = time.Parse("2006-01-02", x.Expires); err != nil {
			return nil, fmt.Errorf("exceptions %s: at /exceptions/%d/expires: %w", file, i, err)
		}
		x.clusters = labels.Everything()
		if x.Scope.Clusters != nil {
			if x.clusters, err = metav1.LabelSelectorAsSelector(x.Scope.Clusters); err != nil {
				return nil, fmt.Errorf("exceptions %s: at /exceptions/%d/scope/clusters: %w", file, i, err)
			}
		}
		for _, g := range append(append(append([]string{}, x.Scope.Namespaces...), x.Scope.Kinds...), x.Scope.Names...) {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("exceptions %s: at /exceptions/%d/scope: bad glob %q: %w", file, i, g, err)
			}
		}
	}
	return &Exceptions{File: file, Items: parsed.Exceptions}, nil
}

// expired reports whether the exception no longer applies at now. An
// exception applies through the whole of its expiry day (UTC).
func (x *Exception) expired(now time.Time) bool {
	return !now.UTC().Before(x.expires.AddDate(0, 0, 1))
}

func (x *Exception) matches(f *Finding, clusterLabels map[string]string) bool {
	if x.Policy != f.PolicyID {
		return false
	}
	if !x.clusters.Matches(labels.Set(clusterLabels)) {
		return false
	}
	return anyGlob(x.Scope.Namespaces, f.Resource.Namespace) &&
		anyGlob(x.Scope.Kinds, f.Resource.Kind) &&
		anyGlob(x.Scope.Names, f.Resource.Name)
}

func anyGlob(globs []string, s string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

// Apply marks the findings the exceptions cover as excepted (they stay in
// the Result) and records every exception's status: how many findings it
// matched, whether it expired (expired ones apply to nothing) and so
// whether it went unused. clusterLabels gives each cluster's labels.
func (xs *Exceptions) Apply(r *Result, clusterLabels map[string]map[string]string, now time.Time) {
	if xs == nil {
		return
	}
	for _, x := range xs.Items {
		st := ExceptionStatus{Policy: x.Policy, AppliedException: AppliedException{Reason: x.Reason, Ticket: x.Ticket, Approver: x.Approver, Expires: x.Expires}, Expired: x.expired(now)}
		applied := &st.AppliedException // one copy, shared by every finding it covers
		if !st.Expired {
			for i := range r.Findings {
				f := &r.Findings[i]
				if f.Excepted == nil && x.matches(f, clusterLabels[f.Cluster]) {
					f.Excepted = applied
					st.Matched++
				}
			}
		}
		r.Exceptions = append(r.Exceptions, st)
	}
}
