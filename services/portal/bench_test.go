package portal

import (
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// BenchmarkDownload streams a 50,000-row version through the HTTP server
// in each format; maxheap-MB is the largest live heap sampled while it
// streams (flat: the rows are not held).
func BenchmarkDownload(b *testing.B) {
	s := newSeeded(b)
	const rows = 50000
	big := weatherDef
	big.ID, big.Name = "0e6b0c55-5d0c-4d7e-9a51-3f1f3c1e0b77", "big"
	seedVersion(b, s.svc.store, big, 1, time.Now(), weatherCols, weatherRows(rows))
	for _, f := range []string{"latest.csv", "latest-sv.csv", "latest.json", "latest.ndjson", "latest.parquet"} {
		b.Run(f, func(b *testing.B) {
			var peak uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapAlloc)
					}
				}
			}()
			var n int64
			for b.Loop() {
				resp, err := http.Get(s.srv.URL + "/datasets/big/" + f)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			close(stop)
			<-done
			b.SetBytes(n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
			b.ReportMetric(float64(peak)/(1<<20), "maxheap-MB")
		})
	}
}
