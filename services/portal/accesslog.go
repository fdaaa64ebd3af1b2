package portal

import (
	"log/slog"
	"net/http"
	"time"
)

// accessLogged logs each request to logger when it ends, at Info, as
// "http request" with: route (the mux pattern that served it, as
// "GET /datasets/{id}", never the path a client typed), query_params (how
// many; neither their names nor their values, which a client may fill
// with anything), status, bytes (of the body sent), duration, and client:
// the network it came from, an IPv4 address cut to its /24 and an IPv6
// address to its /48, never a whole address.
func accessLogged(logger *slog.Logger, c clients, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !logger.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		aborted := true
		defer func() {
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", r.Pattern),
				slog.Int("query_params", len(r.URL.Query())), slog.Int("status", rec.statusCode()), slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)), slog.String("client", truncatedClient(c, r))}
			if aborted {
				attrs = append(attrs, slog.Bool("aborted", true))
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		}()
		next.ServeHTTP(rec, r)
		aborted = false
	})
}

// truncatedClient is the request's client network for the log: an IPv4
// /24 or IPv6 /48, "" when the request has no client address.
func truncatedClient(c clients, r *http.Request) string {
	p := prefix(c.addr(r), 24, 48)
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// recorder notes a response's status and body size. It unwraps, so
// http.ResponseController reaches the connection's Flush.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusCode is the status sent, 200 when the handler wrote nothing.
func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
