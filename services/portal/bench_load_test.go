package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The load benchmark's shape; CIVICBUS_LOAD_CLIENTS and
// CIVICBUS_LOAD_DURATION (a Go duration) override the defaults.
const (
	loadDatasets = 1000
	loadBigRows  = 1_000_000
	loadBigName  = "load-big"
)

// BenchmarkLoad puts many concurrent clients on loopback against the
// portal for a fixed time per endpoint, on a catalog of 1,000 datasets and
// one 1,000,000-row dataset, and in the same run against a bare net/http
// handler answering a small JSON document (the machine's ceiling). It
// prints requests/s, p50 and p99 per endpoint and their ratio to the
// ceiling, and the full CSV of the big dataset in MB/s (one client).
//
// The store is filled straight through Store.AddVersion, not through the
// broker and the open-data service, so that set-up takes seconds; the rows
// a harvest would store are the same.
//
//	go test -run '^$' -bench Load -benchtime 1x ./services/portal/
func BenchmarkLoad(b *testing.B) {
	clients, duration := loadShape(b)
	start := time.Now()
	srv := loadPortal(b)
	env := loadEnv{clients: clients, duration: duration, setup: time.Since(start)}
	ceiling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"result":{"name":"ceiling","count":42}}`)
	}))
	b.Cleanup(ceiling.Close)

	bigID := datasetIDOf(loadBigName)
	scenarios := []loadScenario{
		{name: "ceiling", clients: clients, url: func(*rand.Rand) string { return ceiling.URL + "/" }},
		{name: "package_show", clients: clients, url: func(r *rand.Rand) string {
			return srv.URL + "/api/3/action/package_show?id=" + loadName(r.IntN(loadDatasets))
		}},
		{name: "package_search+facets", clients: clients, url: func(r *rand.Rand) string {
			return srv.URL + "/api/3/action/package_search?" + url.Values{"q": {loadWords[r.IntN(len(loadWords))]},
				"facet.field": {`["tags","organization","license_id","res_format"]`}, "rows": {"10"}}.Encode()
		}},
		{name: "datastore_search@0", clients: clients, url: func(r *rand.Rand) string {
			return srv.URL + "/api/3/action/datastore_search?resource_id=" + bigID + "&limit=100&offset=" + strconv.Itoa(r.IntN(1000))
		}},
		{name: "datastore_search@990k", clients: clients, url: func(r *rand.Rand) string {
			return srv.URL + "/api/3/action/datastore_search?resource_id=" + bigID + "&limit=100&offset=" + strconv.Itoa(990_000+r.IntN(9_900))
		}},
		{name: "v1 rows@990k cursor", clients: clients, url: func(r *rand.Rand) string {
			c := newCursorCodec(loadCursorKey).encode(cursor{Kind: "rows", Dataset: bigID, Version: 1, Row: int64(990_000 + r.IntN(9_900))})
			return srv.URL + "/api/v1/datasets/" + bigID + "/rows?limit=100&cursor=" + url.QueryEscape(c)
		}},
		{name: "latest.csv (1M rows)", clients: 1, url: func(*rand.Rand) string { return srv.URL + "/datasets/" + loadBigName + "/latest.csv" }},
		{name: "latest.parquet (1M)", clients: 1, url: func(*rand.Rand) string { return srv.URL + "/datasets/" + loadBigName + "/latest.parquet" }},
	}
	env.loadBefore = readLoadavg()
	results := make([]loadResult, len(scenarios))
	for i, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			results[i] = sc.run(b, duration)
			b.ReportMetric(results[i].perSecond(), "req/s")
			b.ReportMetric(results[i].p50.Seconds()*1000, "p50-ms")
			b.ReportMetric(results[i].p99.Seconds()*1000, "p99-ms")
			b.ReportMetric(results[i].mbPerSecond(), "MB/s")
		})
	}
	env.loadAfter = readLoadavg()
	printLoadTable(os.Stdout, env, scenarios, results)
}

// loadShape is the number of clients and the time per endpoint.
func loadShape(b *testing.B) (int, time.Duration) {
	clients, duration := 32, 3*time.Second
	if v := os.Getenv("CIVICBUS_LOAD_CLIENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CIVICBUS_LOAD_CLIENTS: not a positive integer")
		}
		clients = n
	}
	if v := os.Getenv("CIVICBUS_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("CIVICBUS_LOAD_DURATION: not a positive duration")
		}
		duration = d
	}
	return clients, duration
}

// loadCursorKey signs the v1 cursors, so the benchmark can make deep ones.
var loadCursorKey = []byte("portal load benchmark cursor key")

// loadWords are the search words; each matches a share of the catalog.
var loadWords = []string{"snödjup", "matsvinn", "befolkning", "skola", "buss"}

func loadName(i int) string { return fmt.Sprintf("load-dataset-%04d", i) }

// datasetIDOf is a stable UUID-shaped id for a dataset name.
func datasetIDOf(name string) string {
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:]
}

// loadPortal is a portal on loopback whose SQLite store holds the load
// catalog.
func loadPortal(b *testing.B) *httptest.Server {
	b.Helper()
	svc, err := New(context.Background(), Config{DB: filepath.Join(b.TempDir(), "portal.db"), BaseURL: "https://data.vasteras.se"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	t0 := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
	orgs := []Org{{}, {Name: "Mälarenergi AB", OrgNumber: "556554-1107"}, {Name: "Västerås Lokaltrafik AB", OrgNumber: "556096-5772"}}
	themes := [][]string{{"ENVI"}, {"EDUC"}, {"SOCI", "GOVE"}, {"TRAN"}, {"ECON", "ENVI"}}
	for i := range loadDatasets {
		def := weatherDef
		def.ID, def.Name = datasetIDOf(loadName(i)), loadName(i)
		word := loadWords[i%len(loadWords)]
		def.Title = Text{SV: fmt.Sprintf("Datamängd %d om %s", i, word), EN: fmt.Sprintf("Dataset %d", i)}
		def.Keywords = Keywords{SV: []string{word, "västerås"}, EN: []string{"vasteras"}}
		def.Themes, def.Publisher = themes[i%len(themes)], orgs[i%len(orgs)]
		def.Licence = []string{"cc-by-4.0", "cc0"}[i%2]
		storeLoadVersion(b, svc.store, def, t0.Add(time.Duration(i)*time.Minute), 10)
	}
	big := weatherDef
	big.ID, big.Name = datasetIDOf(loadBigName), loadBigName
	storeLoadVersion(b, svc.store, big, t0, loadBigRows)
	mux := http.NewServeMux()
	svc.MountWith(mux, APIOptions{CursorKey: loadCursorKey})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

// loadRows yields n weather rows, generated as they go.
func loadRows(n int) RowSource {
	stations := []json.RawMessage{json.RawMessage(`"Västerås"`), json.RawMessage(`"Handsjön"`), json.RawMessage(`"Målilla, \"norra\""`)}
	return func(add func(Row) error) error {
		for i := range n {
			snow := json.RawMessage("null")
			if i%4 != 0 {
				snow = json.RawMessage(strconv.Itoa(i % 30))
			}
			day := json.RawMessage(`"` + time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/3).Format(time.DateOnly) + `"`)
			row := Row{stations[i%3], day, json.RawMessage(strconv.Itoa(i%40-20) + ".5"), snow}
			if err := add(row); err != nil {
				return err
			}
		}
		return nil
	}
}

// storeLoadVersion stores version 1 of def with n generated rows, hashed
// as the open-data service hashes its CSV.
func storeLoadVersion(b *testing.B, st *Store, def Definition, at time.Time, n int) {
	b.Helper()
	h := sha256.New()
	cw := newCSVWriter(h, false)
	cw.header(weatherCols)
	loadRows(n)(func(r Row) error { return cw.row(r) })
	if err := cw.flush(); err != nil {
		b.Fatal(err)
	}
	v := Version{DatasetID: def.ID, Version: 1, PublishedAt: at, RowCount: int64(n), Columns: weatherCols,
		SHA256: hex.EncodeToString(h.Sum(nil)), Report: json.RawMessage(`{}`)}
	defJSON, err := json.Marshal(def)
	if err != nil {
		b.Fatal(err)
	}
	if added, err := st.AddVersion(context.Background(), def, defJSON, v, loadRows(n)); err != nil || !added {
		b.Fatalf("store %s: added %v, %v", def.Name, added, err)
	}
}

// loadScenario is one endpoint under load: clients each ask url's next
// URL, one request after the other, for the duration.
type loadScenario struct {
	name    string
	clients int
	url     func(*rand.Rand) string
}

// loadResult is what a scenario measured.
type loadResult struct {
	requests int
	bytes    int64
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r loadResult) perSecond() float64   { return float64(r.requests) / r.elapsed.Seconds() }
func (r loadResult) mbPerSecond() float64 { return float64(r.bytes) / 1e6 / r.elapsed.Seconds() }

// run loads the endpoint for the duration (every request started before
// the end is counted; a slow one makes elapsed longer, not the count
// smaller) and fails the benchmark at the first answer other than 200.
func (sc loadScenario) run(b *testing.B, duration time.Duration) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: sc.clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		total     int64
		failed    error
		wg        sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(duration)
	for c := range sc.clients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(c), 1))
			var mine []time.Duration
			var n int64
			var err error
			for err == nil && time.Now().Before(end) {
				t := time.Now()
				var got int64
				got, err = fetch(client, sc.url(rnd))
				mine, n = append(mine, time.Since(t)), n+got
			}
			mu.Lock()
			defer mu.Unlock()
			latencies, total = append(latencies, mine...), total+n
			if err != nil && failed == nil {
				failed = err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed != nil {
		b.Fatalf("%s: %v", sc.name, failed)
	}
	slices.Sort(latencies)
	return loadResult{requests: len(latencies), bytes: total, elapsed: elapsed,
		p50: latencies[len(latencies)/2], p99: latencies[len(latencies)*99/100]}
}

// fetch GETs u and reads its whole body, returning its length.
func fetch(client *http.Client, u string) (int64, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return n, err
}

// readLoadavg is the machine's 1, 5 and 15 minute load averages, or a
// note that they cannot be read.
func readLoadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// loadEnv is how a load run was made, printed above its table.
type loadEnv struct {
	clients               int
	duration, setup       time.Duration
	loadBefore, loadAfter string
}

// printLoadTable prints the results, each request rate as a ratio to the
// ceiling's (the first result).
func printLoadTable(w io.Writer, env loadEnv, scs []loadScenario, rs []loadResult) {
	fmt.Fprintf(w, "\nportal load: %d datasets and a %d-row one stored in %v; %d clients (1 for the CSV), %v per endpoint\n",
		loadDatasets, loadBigRows, env.setup.Round(time.Millisecond), env.clients, env.duration)
	fmt.Fprintf(w, "GOMAXPROCS %d, NumCPU %d, load average %s before, %s after\n",
		runtime.GOMAXPROCS(0), runtime.NumCPU(), env.loadBefore, env.loadAfter)
	fmt.Fprintf(w, "%-24s %9s %10s %9s %9s %9s\n", "endpoint", "requests", "req/s", "x ceiling", "p50 ms", "p99 ms")
	for i, r := range rs {
		ratio := fmt.Sprintf("%.3f", r.perSecond()/rs[0].perSecond())
		if scs[i].clients == 1 {
			ratio = fmt.Sprintf("%.0f MB/s", r.mbPerSecond())
		}
		fmt.Fprintf(w, "%-24s %9d %10.0f %9s %9.2f %9.2f\n", scs[i].name, r.requests, r.perSecond(), ratio,
			r.p50.Seconds()*1000, r.p99.Seconds()*1000)
	}
}
