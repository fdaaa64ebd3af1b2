package casework

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
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

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
)

// The load benchmark's inbox: loadCases cases spread evenly over
// loadUnits (the first two are the demo users' units), each opened and
// with one automated decision.
const loadCases = 100_000

var loadUnits = []string{"forskoleplacering", "hemtjanst", "grundskola", "gymnasium", "bygglov",
	"ekonomiskt-bistand", "lss", "serveringstillstand", "parkering", "livsmedel"}

// BenchmarkLoad puts concurrent signed-in clients (caseworker anna, one
// of ten units; supervisor cecilia of the same unit for the supervisor
// view, its counts and override-rate charts) on loopback against the web face over an inbox of 100,000
// cases, for a fixed time per page, and in the same run against a bare
// net/http handler (the machine's ceiling). It prints requests/s, p50 and
// p99 per page and their ratio to the ceiling. Then, with nothing else
// running, it publishes case events one at a time on the embedded broker
// and times each from the publish to its arrival on anna's event stream
// (the projection, the store and the live update included).
//
// The inbox is filled through the projection's own appliers, a thousand
// events per transaction, not through the broker, so that set-up takes
// seconds. CIVICBUS_LOAD_CLIENTS and CIVICBUS_LOAD_DURATION (a Go
// duration) change the shape.
//
//	go test -run '^$' -bench Load -benchtime 1x ./services/casework/
func BenchmarkLoad(b *testing.B) {
	clients, duration := loadShape(b)
	began := time.Now()
	s, conn := start(b, filepath.Join(b.TempDir(), "load.db"))
	annaCases := fillInbox(b, s)
	setup := time.Since(began)
	mux := http.NewServeMux()
	s.Mount(mux)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	ceiling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"cases":[],"next":"ceiling"}`)
	}))
	b.Cleanup(ceiling.Close)
	jar, supervisor := signIn(b, srv.URL, "anna"), signIn(b, srv.URL, "cecilia")

	scenarios := []loadScenario{
		{name: "ceiling", url: func(*rand.Rand) string { return ceiling.URL + "/" }},
		{name: "inbox page", url: func(*rand.Rand) string { return srv.URL + "/casework/" }},
		{name: "inbox page, open+automated", url: func(*rand.Rand) string { return srv.URL + "/casework/?status=open&automated=1" }},
		{name: "api/cases", url: func(*rand.Rand) string { return srv.URL + "/casework/api/cases" }},
		{name: "case page", url: func(r *rand.Rand) string { return srv.URL + "/casework/cases/" + annaCases[r.IntN(len(annaCases))] }},
		{name: "api/cases/{id}", url: func(r *rand.Rand) string { return srv.URL + "/casework/api/cases/" + annaCases[r.IntN(len(annaCases))] }},
		{name: "supervisor page", jar: supervisor, url: func(*rand.Rand) string { return srv.URL + "/casework/supervisor" }},
	}
	loadBefore := readLoadavg()
	results := make([]loadResult, len(scenarios))
	for i, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			results[i] = sc.run(b, jar, clients, duration)
			b.ReportMetric(results[i].perSecond(), "req/s")
			b.ReportMetric(results[i].p99.Seconds()*1000, "p99-ms")
		})
	}
	var visible []time.Duration
	b.Run("event visible on the stream", func(b *testing.B) {
		visible = eventLatencies(b, srv.URL, jar, conn, 300)
		b.ReportMetric(visible[len(visible)*99/100].Seconds()*1000, "p99-ms")
	})
	w := os.Stdout
	fmt.Fprintf(w, "\ncasework load: %d cases in %d units stored in %v; signed in as anna (unit of %d cases); %d clients, %v per page\n",
		loadCases, len(loadUnits), setup.Round(time.Millisecond), len(annaCases), clients, duration)
	fmt.Fprintf(w, "GOMAXPROCS %d, NumCPU %d, load average %s before, %s after\n", runtime.GOMAXPROCS(0), runtime.NumCPU(), loadBefore, readLoadavg())
	fmt.Fprintf(w, "%-28s %9s %10s %9s %9s %9s\n", "page", "requests", "req/s", "x ceiling", "p50 ms", "p99 ms")
	for i, r := range results {
		fmt.Fprintf(w, "%-28s %9d %10.0f %9.3f %9.2f %9.2f\n", scenarios[i].name, r.requests, r.perSecond(),
			r.perSecond()/results[0].perSecond(), r.p50.Seconds()*1000, r.p99.Seconds()*1000)
	}
	if len(visible) > 0 { // not when -bench leaves it out
		fmt.Fprintf(w, "%-28s %9d %10s %9s %9.2f %9.2f  (publish -> SSE, one at a time)\n", "event visible", len(visible), "", "",
			visible[len(visible)/2].Seconds()*1000, visible[len(visible)*99/100].Seconds()*1000)
	}
}

// loadShape is the number of clients and the time per page.
func loadShape(b *testing.B) (int, time.Duration) {
	clients, duration := 16, 5*time.Second
	if v, err := strconv.Atoi(os.Getenv("CIVICBUS_LOAD_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	if v, err := time.ParseDuration(os.Getenv("CIVICBUS_LOAD_DURATION")); err == nil && v > 0 {
		duration = v
	}
	return clients, duration
}

// fillInbox projects loadCases cases (opened, one automated decision)
// through the appliers and returns the ids of anna's unit's cases.
func fillInbox(b testing.TB, s *Service) []string {
	ctx := context.Background()
	var anna []string
	const batch = 500
	for first := 1; first <= loadCases; first += batch {
		_, err := s.store.applyBatch(ctx, func(apply func(topic, id string, payload []byte) error) error {
			for n := first; n < first+batch && n <= loadCases; n++ {
				unit := loadUnits[n%len(loadUnits)]
				evs := caseEvents(n, unit, false)
				for _, e := range evs[:2] { // opened, residency decided by a rule
					js, err := json.Marshal(e.body)
					if err != nil {
						return err
					}
					if err := apply(e.topic, e.id, js); err != nil {
						return err
					}
				}
				if unit == "forskoleplacering" {
					anna = append(anna, evs[0].body.(schemas.CaseOpened).CaseID)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return anna
}

// signIn signs username in on the service at base and returns the
// cookies of the session.
func signIn(b *testing.B, base, username string) http.CookieJar {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/casework/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		b.Fatal("no csrf token on the sign-in page")
	}
	resp, err = c.PostForm(base+"/casework/login", url.Values{"csrf": {string(m[1])}, "username": {username}, "password": {"demo-" + username}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("sign in as %s: %d", username, resp.StatusCode)
	}
	return jar
}

// loadScenario is one page, fetched by every client one request after
// the other for the duration.
type loadScenario struct {
	name string
	jar  http.CookieJar // whose session; nil: the caseworker's
	url  func(*rand.Rand) string
}

type loadResult struct {
	requests int
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r loadResult) perSecond() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// run loads the page for the duration with the session in jar and fails
// the benchmark at the first answer other than 200.
func (sc loadScenario) run(b *testing.B, jar http.CookieJar, clients int, duration time.Duration) loadResult {
	if sc.jar != nil {
		jar = sc.jar
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    error
		wg        sync.WaitGroup
	)
	began := time.Now()
	end := began.Add(duration)
	for c := range clients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(c), 2))
			var mine []time.Duration
			var err error
			for err == nil && time.Now().Before(end) {
				t := time.Now()
				err = fetch(client, sc.url(rnd))
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
			if err != nil && failed == nil {
				failed = err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	if failed != nil {
		b.Fatalf("%s: %v", sc.name, failed)
	}
	slices.Sort(latencies)
	return loadResult{requests: len(latencies), elapsed: elapsed, p50: latencies[len(latencies)/2], p99: latencies[len(latencies)*99/100]}
}

// fetch GETs u and reads its whole body.
func fetch(client *http.Client, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return err
}

// readLoadavg is the machine's 1, 5 and 15 minute load averages.
func readLoadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// applyBatch projects the events fn hands to apply in one transaction,
// each once, as Apply does one at a time (without live updates).
func (s *store) applyBatch(ctx context.Context, fn func(apply func(topic, id string, payload []byte) error) error) (int, error) {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer t.Rollback()
	applied := 0
	err = fn(func(topic, id string, payload []byte) error {
		claimed, err := (tx{t, s}).claim(id, topic)
		if !claimed || err != nil {
			return err
		}
		applied++
		return appliers[topic](tx{t, s}, id, payload)
	})
	if err != nil {
		return 0, err
	}
	return applied, t.Commit()
}

// eventLatencies publishes n case openings of anna's unit one at a time
// and returns, sorted, the time from each publish to its change arriving
// on anna's event stream.
func eventLatencies(b *testing.B, base string, jar http.CookieJar, conn bus.Connection, n int) []time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/casework/events", nil)
	resp, err := (&http.Client{Jar: jar}).Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	arrived := make(chan string, n)
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		b.Fatal("the event stream ended at once")
	}
	go func() {
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				arrived <- id
			}
		}
		close(arrived)
	}()
	pub := checkedPublisher(b, conn)
	defer pub.Close()
	var out []time.Duration
	for i := range n {
		e := caseEvents(loadCases+1+i, "forskoleplacering", false)[0]
		began := time.Now()
		send(b, pub, e)
		select {
		case id, ok := <-arrived:
			if !ok || id != e.id {
				b.Fatalf("the stream gave %q (open %v), want the event %s", id, ok, e.id)
			}
		case <-time.After(time.Minute):
			b.Fatalf("event %d never arrived on the stream", i)
		}
		out = append(out, time.Since(began))
	}
	slices.Sort(out)
	return out
}
