package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the webhook's Prometheus metrics, in a registry of their own
// so that several servers can live in one process (tests, benchmarks).
type metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       prometheus.Histogram
	violations     *prometheus.CounterVec
	badRequests    *prometheus.CounterVec
	bundleInfo     *prometheus.GaugeVec
	reloads        prometheus.Counter
	reloadFailures prometheus.Counter
	certReloads    *prometheus.CounterVec
}

func newMetrics(bundles *Bundles, certs *Certs) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetguard_webhook_requests_total",
			Help: "Admission requests answered, by decision (allow, deny, warn, exempt, skip, fail-open, fail-closed) and operation.",
		}, []string{"decision", "operation"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fleetguard_webhook_evaluation_duration_seconds",
			Help:    "Time to evaluate one admission request against the bundle.",
			Buckets: []float64{25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1, 5},
		}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetguard_webhook_violations_total",
			Help: "Policy violations found at admission, by policy and enforcement (deny, warn, dryrun).",
		}, []string{"policy", "enforcement"}),
		badRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetguard_webhook_bad_requests_total",
			Help: "Requests answered HTTP 400, by reason.",
		}, []string{"reason"}),
		bundleInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fleetguard_webhook_bundle_info",
			Help: "1 for the bundle in service, labelled with its source, revision and digest.",
		}, []string{"source", "revision", "digest"}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fleetguard_webhook_bundle_reloads_total",
			Help: "New bundles compiled and swapped in.",
		}),
		reloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fleetguard_webhook_bundle_reload_failures_total",
			Help: "Bundle reloads that failed; the last good bundle stayed in service.",
		}),
		certReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fleetguard_webhook_certificate_reloads_total",
			Help: "TLS certificate reloads, by result (ok, error).",
		}, []string{"result"}),
	}
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fleetguard_webhook_bundle_age_seconds",
		Help: "Seconds since the bundle in service was loaded; -1 before the first load.",
	}, func() float64 {
		if cur := bundles.Current(); cur != nil {
			return time.Since(cur.LoadedAt).Seconds()
		}
		return -1
	})
	m.reg.MustRegister(m.requests, m.duration, m.violations, m.badRequests, m.bundleInfo,
		m.reloads, m.reloadFailures, m.certReloads, age,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if certs != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fleetguard_webhook_certificate_expiry_timestamp_seconds",
			Help: "Expiry (Unix time) of the TLS certificate in service.",
		}, func() float64 { return float64(certs.NotAfter().Unix()) }))
	}
	return m
}

// bundleSwapped points the info gauge at the new bundle.
func (m *metrics) bundleSwapped(l *Loaded) {
	m.bundleInfo.Reset()
	m.bundleInfo.WithLabelValues(l.Source, l.Revision, l.Digest).Set(1)
	m.reloads.Inc()
}
