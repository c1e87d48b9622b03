// Package serve runs audits on a schedule and serves their results over
// HTTP: the latest fleet report (each cluster's newest audit, so agents'
// pushes are aggregated), the history, diffs, Prometheus metrics and the
// current policy bundle.
package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/store"
)

// Config configures a Server.
type Config struct {
	// Store holds the history; required.
	Store *store.Store
	// Audit runs one audit (fetch and evaluate). Required for scheduled runs.
	Audit func(ctx context.Context) (*engine.Result, error)
	// Schedule is a standard five-field cron expression; empty disables
	// scheduled audits (the server then only shows what agents push).
	Schedule string
	// BundleFile, when set, is served at /bundle.tar.gz with an ETag, so
	// webhooks can poll the central bundle.
	BundleFile string
	// Registry receives the metrics; nil means a new registry.
	Registry *prometheus.Registry
	// Log receives one line per audit run; nil discards.
	Log io.Writer
}

// Server is the scheduler and HTTP front end. Its methods are safe for
// concurrent use.
type Server struct {
	cfg      Config
	sched    cron.Schedule
	reg      *prometheus.Registry
	findings *prometheus.GaugeVec
	duration prometheus.Gauge
	success  prometheus.Gauge
	runs     *prometheus.CounterVec

	mu      sync.Mutex
	running bool
	last    runStatus
}

type runStatus struct {
	Success   time.Time `json:"lastSuccess,omitzero"`
	Failure   time.Time `json:"lastFailure,omitzero"`
	Error     string    `json:"lastError,omitempty"`
	AuditID   int64     `json:"lastAuditId,omitempty"`
	Succeeded bool      `json:"lastRunSucceeded"`
}

// New validates the configuration and registers the metrics.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("serve: a history store is required")
	}
	s := &Server{cfg: cfg, reg: cfg.Registry}
	if cfg.Schedule != "" {
		if cfg.Audit == nil {
			return nil, errors.New("serve: a schedule needs an audit to run")
		}
		sched, err := cron.ParseStandard(cfg.Schedule)
		if err != nil {
			return nil, fmt.Errorf("--schedule %q: %w", cfg.Schedule, err)
		}
		s.sched = sched
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	s.findings = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fleetguard_findings", Help: "Findings not covered by an exception in the latest audit, by policy, cluster and severity.",
	}, []string{"policy", "cluster", "severity"})
	s.duration = prometheus.NewGauge(prometheus.GaugeOpts{Name: "fleetguard_audit_duration_seconds", Help: "Duration of the last audit run."})
	s.success = prometheus.NewGauge(prometheus.GaugeOpts{Name: "fleetguard_audit_last_success_timestamp_seconds", Help: "Unix time of the last successful audit."})
	s.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fleetguard_audit_runs_total", Help: "Audit runs by result (success, failure)."}, []string{"result"})
	for _, c := range []prometheus.Collector{s.findings, s.duration, s.success, s.runs} {
		if err := s.reg.Register(c); err != nil {
			return nil, err
		}
	}
	s.runs.WithLabelValues("success")
	s.runs.WithLabelValues("failure")
	return s, nil
}

// Run runs scheduled audits until ctx ends. Without a schedule it only waits.
func (s *Server) Run(ctx context.Context) {
	if s.sched == nil {
		<-ctx.Done()
		return
	}
	for {
		next := s.sched.Next(time.Now())
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			_ = s.RunOnce(ctx)
		}
	}
}

// RunOnce runs one audit and records it. A failed audit is recorded as a
// failure, counted, and leaves the previous report in place; it is never
// shown as a success. Concurrent calls while one runs return an error.
func (s *Server) RunOnce(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("an audit is already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.running = false; s.mu.Unlock() }()

	start := time.Now()
	r, err := s.cfg.Audit(ctx)
	var id int64
	if err == nil {
		id, err = s.cfg.Store.SaveAudit(ctx, r)
	}
	s.duration.Set(time.Since(start).Seconds())
	// Count before taking the lock: an audit holds millions of findings and
	// healthz must not wait for them.
	type labels struct{ policy, cluster, severity string }
	open := map[labels]int{}
	if err == nil {
		for i := range r.Findings {
			if f := &r.Findings[i]; f.Excepted == nil {
				open[labels{f.PolicyID, f.Cluster, f.Severity.String()}]++
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.runs.WithLabelValues("failure").Inc()
		s.last.Failure, s.last.Error, s.last.Succeeded = time.Now().UTC(), err.Error(), false
		s.logf("audit failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
		return err
	}
	s.runs.WithLabelValues("success").Inc()
	s.success.Set(float64(time.Now().Unix()))
	s.last.Success, s.last.AuditID, s.last.Succeeded, s.last.Error = time.Now().UTC(), id, true, ""
	s.findings.Reset()
	for l, n := range open {
		s.findings.WithLabelValues(l.policy, l.cluster, l.severity).Set(float64(n))
	}
	s.logf("audit %d stored in %s: %d findings", id, time.Since(start).Round(time.Millisecond), len(r.Findings))
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
	}
}

// Handler returns the HTTP API:
//
//	GET /                      the latest fleet report (HTML), each cluster's newest audit
//	GET /report.pdf            the same as PDF
//	GET /audits/:id/report.html  one stored audit's report
//	GET /api/audits            the history (JSON)
//	GET /api/audits/:id        one audit's Result (JSON)
//	GET /api/diff?from=A&to=B  findings new, resolved and unchanged (JSON)
//	GET /bundle.tar.gz         the current policy bundle, with ETag
//	GET /metrics, /healthz
func (s *Server) Handler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", s.latestReport("html"))
	e.GET("/report.html", s.latestReport("html"))
	e.GET("/report.pdf", s.latestReport("pdf"))
	e.GET("/audits/:id/report.html", s.auditReport)
	e.GET("/api/audits", s.listAudits)
	e.GET("/api/audits/:id", s.getAudit)
	e.GET("/api/diff", s.diff)
	e.GET("/healthz", s.healthz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	if s.cfg.BundleFile != "" {
		e.GET("/bundle.tar.gz", s.bundle)
	}
	return e
}

func (s *Server) healthz(c echo.Context) error {
	s.mu.Lock()
	st := s.last
	s.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "audits": st})
}

// latestReport renders each cluster's newest audit as one fleet report.
func (s *Server) latestReport(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		merged, err := s.cfg.Store.Aggregate(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return c.String(http.StatusNotFound, "no audit has been stored yet\n")
		}
		if err != nil {
			return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
		}
		newest, err := s.cfg.Store.Latest(ctx)
		if err != nil {
			return storeError(err)
		}
		h, err := audit.History(ctx, s.cfg.Store, newest)
		if err != nil {
			return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
		}
		return render(c, format, merged, h)
	}
}

func (s *Server) auditReport(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "audit id must be a number")
	}
	ctx := c.Request().Context()
	r, err := s.cfg.Store.LoadAudit(ctx, id)
	if err != nil {
		return storeError(err)
	}
	h, err := audit.History(ctx, s.cfg.Store, id)
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	return render(c, "html", r, h)
}

func render(c echo.Context, format string, r *engine.Result, h *reports.History) error {
	w, err := reports.New(format, reports.Options{History: h})
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	ct := "text/html; charset=utf-8"
	if format == "pdf" {
		ct = "application/pdf"
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	return c.Blob(http.StatusOK, ct, buf.Bytes())
}

func (s *Server) listAudits(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 {
		limit = 100
	}
	list, err := s.cfg.Store.ListAudits(c.Request().Context(), limit)
	if err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	return c.JSON(http.StatusOK, list)
}

func (s *Server) getAudit(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "audit id must be a number")
	}
	r, err := s.cfg.Store.LoadAudit(c.Request().Context(), id)
	if err != nil {
		return storeError(err)
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) diff(c echo.Context) error {
	from, err1 := strconv.ParseInt(c.QueryParam("from"), 10, 64)
	to, err2 := strconv.ParseInt(c.QueryParam("to"), 10, 64)
	if err1 != nil || err2 != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "give two audit ids: /api/diff?from=A&to=B")
	}
	d, err := s.cfg.Store.Diff(c.Request().Context(), from, to)
	if err != nil {
		return storeError(err)
	}
	return c.JSON(http.StatusOK, d)
}

func storeError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	}
	return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
}

// bundle serves the bundle file with a content ETag, so pollers get 304.
func (s *Server) bundle(c echo.Context) error {
	raw, err := os.ReadFile(s.cfg.BundleFile)
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "bundle unavailable: "+err.Error())
	}
	sum := sha256.Sum256(raw)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Response().Header().Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "application/gzip", raw)
}
