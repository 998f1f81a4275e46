// Package metrics exposes Embargo's Prometheus metrics: what the
// database says about the promises (open reports, missed deadlines, time
// to each stage), the job queue, and this process's HTTP traffic. The
// database figures are read at scrape time, so every replica reports the
// same values for them.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/embargo-cvd/embargo/internal/store"
)

// Metrics is a registry with Embargo's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the collectors for st.
func New(st *store.Store) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "embargo_http_requests_total",
		Help: "HTTP requests served by this process, by route pattern, method and status code."}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "embargo_http_request_duration_seconds",
		Help: "Time to serve HTTP requests in this process, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.reg.MustRegister(m.requests, m.duration, &dbCollector{st: st},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry, for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveHTTP records one request (httpx.Log's observer). The route is the
// pattern ("GET /t/{token}"), never the path, so no capability reaches a
// label and the label set stays bounded.
func (m *Metrics) ObserveHTTP(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// stageBuckets are the bounds of the time-to-stage histograms, from an
// hour to half a year: the range of the promises in real policies.
var stageBuckets = []float64{
	3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400,
	14 * 86400, 30 * 86400, 60 * 86400, 90 * 86400, 180 * 86400,
}

var (
	openDesc = prometheus.NewDesc("embargo_open_reports",
		"Open reports, by project, state and severity (empty before assessment).", []string{"project", "state", "severity"}, nil)
	breachDesc = prometheus.NewDesc("embargo_sla_breaches_total",
		"Promised deadlines missed (breach events recorded), by project and stage.", []string{"project", "stage"}, nil)
	stageDescs = map[string]*prometheus.Desc{
		"acknowledge": prometheus.NewDesc("embargo_time_to_acknowledge_seconds",
			"Time from a report's arrival to its first acknowledgement, by project.", []string{"project"}, nil),
		"assess": prometheus.NewDesc("embargo_time_to_assess_seconds",
			"Time from a report's arrival to its assessment (a severity, or triage), by project.", []string{"project"}, nil),
		"fix": prometheus.NewDesc("embargo_time_to_fix_seconds",
			"Time from a report's severity (the start of its fix window) to fixed, by project.", []string{"project"}, nil),
	}
	jobsDesc = prometheus.NewDesc("embargo_jobs",
		"Background jobs in the queue, by state.", []string{"state"}, nil)
)

// dbCollector reads the database at scrape time.
type dbCollector struct{ st *store.Store }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- breachDesc
	for _, d := range stageDescs {
		ch <- d
	}
	ch <- jobsDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open, err := c.st.OpenReportCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(openDesc, err)
	}
	for _, o := range open {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(o.N), o.Project, o.State, o.Severity)
	}
	breaches, err := c.st.BreachCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(breachDesc, err)
	}
	for _, b := range breaches {
		ch <- prometheus.MustNewConstMetric(breachDesc, prometheus.CounterValue, float64(b.N), b.Project, b.Stage)
	}
	c.collectStageTimes(ctx, ch)
	jobs, err := c.st.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	}
	for state, n := range jobs {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// collectStageTimes builds the time-to-stage histograms from every
// report's milestones.
func (c *dbCollector) collectStageTimes(ctx context.Context, ch chan<- prometheus.Metric) {
	ms, err := c.st.ReportMilestones(ctx, 0, time.Time{})
	if err != nil {
		for _, d := range stageDescs {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	projects, err := c.st.Projects(ctx)
	if err != nil {
		for _, d := range stageDescs {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	slugs := map[int64]string{}
	for _, p := range projects {
		slugs[p.ID] = p.Slug
	}
	type hist struct {
		count   uint64
		sum     float64
		buckets map[float64]uint64
	}
	hs := map[string]map[string]*hist{} // stage → project → histogram
	observe := func(stage, project string, from, to time.Time) {
		if from.IsZero() || to.IsZero() || to.Before(from) {
			return
		}
		if hs[stage] == nil {
			hs[stage] = map[string]*hist{}
		}
		h := hs[stage][project]
		if h == nil {
			h = &hist{buckets: map[float64]uint64{}}
			hs[stage][project] = h
		}
		v := to.Sub(from).Seconds()
		h.count++
		h.sum += v
		for _, b := range stageBuckets {
			if v <= b {
				h.buckets[b]++
			}
		}
	}
	for _, m := range ms {
		slug := slugs[m.ProjectID]
		observe("acknowledge", slug, m.Received, m.Acknowledged)
		observe("assess", slug, m.Received, m.Assessed)
		observe("fix", slug, m.Sever, m.Fixed)
	}
	for stage, byProject := range hs {
		for project, h := range byProject {
			ch <- prometheus.MustNewConstHistogram(stageDescs[stage], h.count, h.sum, h.buckets, project)
		}
	}
}
