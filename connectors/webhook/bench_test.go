package webhook_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/webhook"
)

// BenchmarkAccepted posts single records over loopback from parallel
// senders (GOMAXPROCS × 8) and reports the accepted requests per second:
// each one answered 202 only once its event was on the embedded broker.
//
//	go test -run '^$' -bench Accepted -benchtime 3000x ./connectors/webhook/
func BenchmarkAccepted(b *testing.B) {
	w := newWorld(b)
	r := w.Start(bearerYAML(b, "bench-hook"))
	waitRunning(b, r)
	url := w.url + webhook.PathPrefix + "bench-hook"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var n, bad atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i%20000))
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body(fmt.Sprintf("k-%d", i/20000), day.Format(time.DateOnly), 1)))
			req.Header.Set("Content-Type", appJSON)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				bad.Add(1)
			}
			if err == nil {
				resp.Body.Close()
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "accepted/s")
	if bad.Load() > 0 {
		b.Errorf("%d of %d requests were not accepted", bad.Load(), b.N)
	}
}
