// Package server assembles the node's HTTP handler: the API, the web
// portal, health and readiness probes, Prometheus metrics and the OpenAPI
// document, all in one route table behind one authorization check.
package server

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pubdata/internal/app"
	"pubdata/internal/auth"
	"pubdata/internal/httpapi"
	"pubdata/internal/httpx"
	"pubdata/internal/web"
)

// OpenAPI is the API's OpenAPI 3.1 document.
//
//go:embed openapi.json
var OpenAPI []byte

// Version is set at build time (-ldflags "-X pubdata/internal/server.Version=…").
var Version = "dev"

// New returns the node's router with every route registered.
func New(a *app.App) *httpx.Router {
	rt := httpx.NewRouter(a.Accounts, a.Trail, a.Log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pubdata_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pubdata_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	reg.MustRegister(requests, latency)
	rt.Observe = func(route, method string, status int, d time.Duration) {
		requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		latency.WithLabelValues(route).Observe(d.Seconds())
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	rt.API("GET", "/healthz", auth.PermPublic, func(w http.ResponseWriter, r *http.Request) error {
		return httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": Version})
	})
	rt.API("GET", "/readyz", auth.PermPublic, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.DB.Ping(ctx); err != nil {
			return httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
		}
		v, _ := a.DB.Version(ctx)
		return httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "database": string(a.DB.Dialect), "schema_version": v})
	})
	rt.API("GET", "/metrics", auth.PermPublic, func(w http.ResponseWriter, r *http.Request) error {
		metrics.ServeHTTP(w, r)
		return nil
	})
	rt.API("GET", "/api/openapi.json", auth.PermPublic, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(OpenAPI)
		return err
	})
	httpapi.Register(rt, a)
	a.Catalog.Register(rt)
	a.Collect.Register(rt)
	a.Share.Register(rt)
	web.Register(rt, a)
	return rt
}
