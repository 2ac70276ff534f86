package httpcore

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	requestIDKey = "httpcore.request_id"
	accountKey   = "httpcore.account"
	// RequestIDHeader carries the request ID in both directions.
	RequestIDHeader = "X-Request-ID"
)

var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// RequestID returns the request's ID.
func RequestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// Metrics are the HTTP metrics, registered on a registry the caller owns.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Observe is the outermost middleware: it gives each request an ID (keeping a well-formed one the
// client sent, so a phone can match its own log), and after the handler logs one line and records
// the metrics. Routes are labelled by their pattern, never by the raw path.
func Observe(log *slog.Logger, m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := c.Request().Header.Get(RequestIDHeader)
			if !clientRequestID.MatchString(id) {
				b := make([]byte, 8)
				rand.Read(b)
				id = hex.EncodeToString(b)
			}
			c.Set(requestIDKey, id)
			c.Response().Header().Set(RequestIDHeader, id)
			err := next(c)
			if err != nil {
				c.Error(err) // renders through the error handler, so the status below is final
			}
			route := c.Path()
			if route == "" {
				route = "(no route)"
			}
			status := c.Response().Status
			elapsed := time.Since(start)
			m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
			m.latency.WithLabelValues(route, c.Request().Method).Observe(elapsed.Seconds())
			attrs := []any{"request_id", id, "method", c.Request().Method, "route", route, "status", status,
				"duration_ms", elapsed.Milliseconds(), "bytes_out", c.Response().Size, "remote", c.RealIP()}
			if acct, ok := c.Get(accountKey).(string); ok {
				attrs = append(attrs, "account", acct)
			}
			if route != "/healthz" && route != "/metrics" {
				log.Info("request", attrs...)
			}
			return nil
		}
	}
}
