package filedrop_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/filedrop"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// benchRows is the size of the benchmark file: CIVICBUS_BENCH_ROWS, else
// 1,000,000 (about 100 MB).
func benchRows() int {
	n := 1_000_000
	if s := os.Getenv("CIVICBUS_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}

// writeBigCSV writes n rows of food waste, about 100 bytes a row.
func writeBigCSV(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("kök;datum;måltid;kökssvinn;serveringssvinn;tallrikssvinn;totalt;ätande;kommentar\n")
	day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(w, "skolkok-nummer-%04d;%s;lunch;1,5;2,25;3,25;7;%d;vägt av kökspersonalen efter lunch\n",
			i%1000, day.AddDate(0, 0, i/1000).Format(time.DateOnly), 100+i%300)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return fi.Size()
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) *atomic.Uint64 {
	var peak atomic.Uint64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return &peak
}

// BenchmarkFiledropToBus puts a large CSV on the embedded broker with
// mapping and contract validation; it reports rows/s. The broker runs in
// this process and keeps what it stores in memory, so peak_heap_MB here
// includes the broker's copy of every event (see BenchmarkFiledropMapValidate
// for the connector's own memory).
func BenchmarkFiledropToBus(b *testing.B) {
	n := benchRows()
	for range b.N {
		e := newEnv(b)
		size := writeBigCSV(b, filepath.Join(e.dir, "big.csv"), n)
		yaml := strings.Replace(e.wasteYAML("  batch_size: 2000"), "encoding: windows-1252", "encoding: utf-8", 1)
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		r := e.Start(yaml)
		deadline := time.Now().Add(10 * time.Minute)
		for r.Runtime.Status().RecordsOut < int64(n) {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d rows after 10 min", r.Runtime.Status().RecordsOut, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		elapsed := time.Since(start)
		close(stop)
		r.Stop()
		st := r.Runtime.Status()
		if st.Failed != 0 {
			b.Fatalf("%d rows failed: %s", st.Failed, st.LastError)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(size)/(1<<20), "file_MB")
	}
}

// BenchmarkFiledropMapValidate reads, maps and validates a large CSV
// without the bus: the connector's own rows/s and peak heap.
func BenchmarkFiledropMapValidate(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	size := writeBigCSV(b, filepath.Join(dir, "big.csv"), n)
	c, err := contracts.Default()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := connectors.ParseConfig([]byte(strings.Replace((&env{dir: dir}).wasteYAML("  batch_size: 2000"), "encoding: windows-1252", "encoding: utf-8", 1)), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	ev, _ := cfg.Event()
	m, err := connectors.CompileMapping(cfg.Mapping, ev)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		src, err := filedrop.New(filedrop.Config{Dir: dir, Delimiter: ";", DecimalComma: true, PollIntervalMS: 1, BatchSize: 2000}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := src.Connect(ctx); err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		rows := 0
		for rows < n {
			batch, _, err := src.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, rec := range batch {
				props, err := m.Apply(rec.Fields)
				if err != nil {
					b.Fatal(err)
				}
				payload, _ := m.Marshal(props)
				if err := c.Check(ev.Topic, ev.SchemaID(), payload); err != nil {
					b.Fatal(err)
				}
				_ = connectors.EventID("/bench", m.Key(props), 1)
			}
			rows += len(batch)
		}
		elapsed := time.Since(start)
		close(stop)
		src.Close(ctx)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(size)/(1<<20), "file_MB")
	}
}
