// Package webhook is Fleetguard's validating admission webhook: an echo
// server over TLS that decodes admission.k8s.io/v1 AdmissionReviews, evaluates
// the object with the same engine as the scan and the audit, and answers per
// policy enforcement (deny, warn, dryrun). The bundle and the TLS certificate
// are reloaded without a restart.
package webhook

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/readall"
)

// Config configures a Server.
type Config struct {
	// Bundles supplies the compiled bundle. Required.
	Bundles *Bundles
	// Certs supplies the TLS certificate. Required by Serve.
	Certs *Certs
	// Timeout is the evaluation deadline per request (default 2 s). Past
	// it, the request gets the FailOpen answer.
	Timeout time.Duration
	// FailOpen admits requests that could not be evaluated (deadline,
	// error, no bundle yet); false denies them.
	FailOpen bool
	// ExemptNamespaces are never evaluated.
	ExemptNamespaces []string
	// ExemptLabels exempt every object in a namespace carrying one of them
	// (nil means DefaultExemptLabels).
	ExemptLabels []string
	// EvalDelete and EvalConnect evaluate DELETE and CONNECT requests; by
	// default they are admitted without evaluation.
	EvalDelete, EvalConnect bool
	// Cluster is the cluster name and labels policies see as input.cluster.
	Cluster engine.Cluster
	// Namespaces, when set, supplies Namespace objects (input.namespace and
	// the exemption label).
	Namespaces Namespaces
	// Inventory, when set, supplies data.inventory to referential
	// Gatekeeper templates. Its watches run only while the bundle in
	// service has a template that reads data.inventory.
	Inventory *Inventory
	// DecisionLog receives one JSON line per answered request; nil for none.
	DecisionLog io.Writer
	// Logger receives operational messages; nil means slog's default.
	Logger *slog.Logger
}

// Server is the admission webhook. Its handlers are safe for concurrent use.
type Server struct {
	cfg      Config
	exemptNS map[string]bool
	m        *metrics
	echo     *echo.Echo
	log      *slog.Logger
	decLog   *decisionLog
	evalFn   func(context.Context, *engine.Engine, *engine.ObjectInput) (engine.ObjectVerdict, error)
}

// New builds a Server. It hooks the bundle and certificate reloads into the
// metrics, so build it before the first Bundles.Reload.
func New(cfg Config) *Server {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.ExemptLabels == nil {
		cfg.ExemptLabels = DefaultExemptLabels
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:      cfg,
		exemptNS: map[string]bool{},
		log:      cfg.Logger,
		evalFn: func(ctx context.Context, e *engine.Engine, in *engine.ObjectInput) (engine.ObjectVerdict, error) {
			return e.EvalObject(ctx, in)
		},
	}
	for _, ns := range cfg.ExemptNamespaces {
		s.exemptNS[ns] = true
	}
	if cfg.DecisionLog != nil {
		s.decLog = &decisionLog{w: cfg.DecisionLog}
	}
	s.m = newMetrics(cfg.Bundles, cfg.Certs)
	b := cfg.Bundles
	b.mu.Lock()
	b.onSwap = func(l *Loaded) {
		s.m.bundleSwapped(l)
		s.log.Info("bundle loaded", "source", l.Source, "revision", l.Revision, "digest", l.Digest)
		s.useInventory(l)
	}
	b.onError = func(err error) {
		s.m.reloadFailures.Inc()
		s.log.Error("bundle reload failed; keeping the last good bundle", "source", b.Source(), "error", err)
	}
	if cfg.Inventory != nil {
		s.m.reg.MustRegister(newInventoryCollector(cfg.Inventory))
	}
	if cur := b.cur.Load(); cur != nil {
		s.m.bundleSwapped(cur)
		s.useInventory(cur)
	}
	b.mu.Unlock()
	if c := cfg.Certs; c != nil {
		c.mu.Lock()
		c.onReload = func(err error) {
			if err != nil {
				s.m.certReloads.WithLabelValues("error").Inc()
				s.log.Error("TLS certificate reload failed; serving the previous one", "error", err)
				return
			}
			s.m.certReloads.WithLabelValues("ok").Inc()
			s.log.Info("TLS certificate reloaded", "cert", c.certFile)
		}
		c.mu.Unlock()
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover()) // last resort; the handlers do not panic
	e.POST("/validate", s.handleValidate)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.handleReady)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{})))
	s.echo = e
	return s
}

// useInventory runs the inventory's watches only while the bundle has a
// template that reads data.inventory.
func (s *Server) useInventory(l *Loaded) {
	if s.cfg.Inventory == nil {
		return
	}
	if l.Engine.UsesInventory() {
		s.cfg.Inventory.Use(true, "")
		return
	}
	s.cfg.Inventory.Use(false, "the bundle has no Gatekeeper template that reads data.inventory")
}

// Handler returns the HTTP handler serving /validate, /healthz, /readyz and /metrics.
func (s *Server) Handler() http.Handler { return s.echo }

// TLSConfig returns the server TLS configuration: TLS 1.2 at least, the
// certificate from Certs re-read when its files change.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: s.cfg.Certs.GetCertificate}
}

// Serve serves TLS on ln until ctx is done, then shuts down gracefully
// (in-flight requests get up to 10 s).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.Certs == nil {
		return errors.New("webhook: serving needs a TLS certificate")
	}
	hs := &http.Server{
		Handler:           s.echo,
		TLSConfig:         s.TLSConfig(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(slogWriter{s.log}, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	err := hs.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimSpace(string(p)))
	return len(p), nil
}

// errorBody is the JSON body of a 400 answer.
type errorBody struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
}

func (s *Server) handleValidate(c echo.Context) error {
	start := time.Now()
	r := c.Request()
	if r.ContentLength > MaxBodyBytes {
		return s.bad(c, badReview("too-large", "request body of %d bytes exceeds %d bytes (3 MiB)", r.ContentLength, MaxBodyBytes))
	}
	body, err := readall.Sized(io.LimitReader(r.Body, MaxBodyBytes+1), r.ContentLength)
	if err != nil {
		return s.bad(c, badReview("unreadable", "reading request body: %v", err))
	}
	req, err := DecodeReview(body)
	if err != nil {
		var br *BadReviewError
		if !errors.As(err, &br) {
			br = badReview("malformed-json", "%v", err)
		}
		return s.bad(c, br)
	}
	v := s.review(r.Context(), req)
	s.m.requests.WithLabelValues(v.Decision, string(req.Operation)).Inc()
	if s.decLog != nil {
		s.decLog.write(req, v, time.Since(start))
	}
	return c.JSON(http.StatusOK, admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: v.Response,
	})
}

func (s *Server) bad(c echo.Context, br *BadReviewError) error {
	s.m.badRequests.WithLabelValues(br.Reason).Inc()
	return c.JSON(http.StatusBadRequest, errorBody{Error: br.Msg, Reason: br.Reason})
}

// Readiness is the /readyz body.
type Readiness struct {
	Ready       bool         `json:"ready"`
	Bundle      BundleStatus `json:"bundle"`
	CertExpiry  *time.Time   `json:"certificateExpiry,omitempty"`
	CertError   string       `json:"certificateError,omitempty"`
	FailureMode string       `json:"failureMode"`
	// Inventory is set when --inventory is: the webhook is not ready until
	// the inventory it needs has synced.
	Inventory *InventoryStatus `json:"inventory,omitempty"`
}

func (s *Server) handleReady(c echo.Context) error {
	rd := Readiness{Bundle: s.cfg.Bundles.Status(), FailureMode: "fail-closed"}
	rd.Ready = rd.Bundle.LoadedAt != nil
	if inv := s.cfg.Inventory; inv != nil {
		st := inv.Status()
		rd.Inventory = &st
		rd.Ready = rd.Ready && (!st.Watching || st.Synced)
	}
	if s.cfg.FailOpen {
		rd.FailureMode = "fail-open"
	}
	if s.cfg.Certs != nil {
		t := s.cfg.Certs.NotAfter()
		rd.CertExpiry = &t
		if err := s.cfg.Certs.LastError(); err != nil {
			rd.CertError = err.Error()
		}
	}
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, rd)
}

// decisionLog writes one JSON line per decision. Lines never carry object
// content, so no Secret value can reach the log.
type decisionLog struct {
	mu sync.Mutex
	w  io.Writer
}

// DecisionRecord is one line of the decision log.
type DecisionRecord struct {
	Time       time.Time `json:"time"`
	UID        string    `json:"uid"`
	Kind       string    `json:"kind"`
	Namespace  string    `json:"namespace,omitempty"`
	Name       string    `json:"name,omitempty"`
	User       string    `json:"user"`
	Operation  string    `json:"operation"`
	Decision   string    `json:"decision"`
	Allowed    bool      `json:"allowed"`
	Policies   []Fired   `json:"policies,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Revision   string    `json:"bundleRevision,omitempty"`
	DurationMS float64   `json:"durationMs"`
}

func (d *decisionLog) write(req *Request, v Verdict, took time.Duration) {
	kind := req.Kind.Kind
	if req.Kind.Group != "" {
		kind = req.Kind.Group + "/" + kind
	}
	line, err := json.Marshal(DecisionRecord{
		Time: time.Now().UTC(), UID: string(req.UID), Kind: kind,
		Namespace: req.Namespace, Name: req.Name, User: req.UserInfo.Username,
		Operation: string(req.Operation), Decision: v.Decision, Allowed: v.Response.Allowed,
		Policies: v.Fired, Reason: v.Reason, Revision: v.Revision,
		DurationMS: float64(took.Microseconds()) / 1000,
	})
	if err != nil {
		return
	}
	line = append(line, '\n')
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = d.w.Write(line)
}

// OpenDecisionLog opens the decision log destination: "-" for standard
// error, "" or "off" for none, else a file opened for appending.
func OpenDecisionLog(dest string) (io.WriteCloser, error) {
	switch dest {
	case "", "off":
		return nil, nil
	case "-":
		return nopCloser{os.Stderr}, nil
	}
	return os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
