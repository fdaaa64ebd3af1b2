package connect_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/connect"
)

const wasteYAML = `name: kitchen-waste
kind: filedrop
topic: meals.food-waste.v1
config:
  dir: DROP
  delimiter: ";"
  encoding: windows-1252
  decimal_comma: true
  poll_interval_ms: 20
mapping:
  fields:
    kitchen_id: 'row["kök"]'
    date: row.datum
    meal: row["måltid"]
    kitchen_waste_kg: double(row["kökssvinn"])
    serving_waste_kg: double(row.serveringssvinn)
    plate_waste_kg: double(row.tallrikssvinn)
    total_waste_kg: double(row.totalt)
    diners: int(row["ätande"])
`

// TestServiceRunsTheConnectorFiles runs the service on a directory with one
// filedrop connector file: a dropped export reaches the bus (3 good rows as
// events, 3 bad ones as dead letters) and the status endpoint counts them.
func TestServiceRunsTheConnectorFiles(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	dir, drop := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "kitchen-waste.yaml"), strings.Replace(wasteYAML, "DROP", drop, 1))
	write(t, filepath.Join(dir, "README.txt"), "not a connector file")

	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- connect.Run(ctx, connect.Config{Dir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "cp.db"), Mux: mux, Path: "/api/connectors"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	data, err := os.ReadFile("../../connectors/filedrop/testdata/matsvinn-cp1252.csv")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(drop, "matsvinn.csv"), string(data))

	srv := httptest.NewServer(mux)
	defer srv.Close()
	var status []connectors.Status
	deadline := time.Now().Add(20 * time.Second)
	for {
		status = getStatus(t, srv.URL+"/api/connectors")
		if len(status) == 1 && status[0].RecordsOut == 3 && status[0].Failed == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed 3 out and 3 failed: %+v", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status[0].Connector != "kitchen-waste" {
		t.Errorf("status names %q", status[0].Connector)
	}
	events := count(t, conn, "meals.food-waste.v1", 3)
	letters := count(t, conn, "meals.food-waste.v1.dlq", 3)
	if events != 3 || letters != 3 {
		t.Errorf("on the bus: %d events, %d dead letters; want 3 and 3", events, letters)
	}
}

// TestABadFileStopsTheStart: every problem of every file, before anything runs.
func TestABadFileStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "name: a\nkind: nosuchkind\ntopic: meals.food-waste.v1\n")
	write(t, filepath.Join(dir, "b.yaml"), "name: b\nkind: filedrop\ntopic: meals.food-waste.v1\nsurprise: 1\n")
	err := connect.Run(context.Background(), connect.Config{Dir: dir, Conn: bus.Connection{Brokers: []string{"127.0.0.1:1"}}, DB: filepath.Join(t.TempDir(), "cp.db")})
	if err == nil {
		t.Fatal("Run started with bad connector files")
	}
	for _, want := range []string{"a.yaml", "b.yaml", "surprise"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNoDirectoryIsNoConnectors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := connect.Run(ctx, connect.Config{Dir: filepath.Join(t.TempDir(), "none"), Conn: bus.Connection{Brokers: []string{"127.0.0.1:1"}}})
	if err != nil {
		t.Fatalf("Run without a directory: %v", err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func getStatus(t *testing.T, url string) []connectors.Status {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil // not mounted yet
	}
	var s []connectors.Status
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// count reads topic from the start without a group until it has want
// distinct messages or 10 s pass, and returns how many it has.
func count(t *testing.T, conn bus.Connection, topic string, want int) int {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	for m := range msgs {
		mu.Lock()
		seen[m.UUID] = true
		n := len(seen)
		mu.Unlock()
		m.Ack()
		if n == want {
			cancel()
		}
	}
	return len(seen)
}

// TestServiceServesWebhooks: a webhook connector file mounts
// /api/ingest/<name> on the service's mux, and a POST is answered 202 once
// its event is on the bus.
func TestServiceServesWebhooks(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "token"), "service-test-token\n")
	write(t, filepath.Join(dir, "hook.yaml"), `name: waste-hook
kind: webhook
topic: meals.food-waste.v1
config:
  bearer_token_file: `+filepath.Join(dir, "token")+`
mapping:
  fields:
    kitchen_id: row.kitchen
    date: row.date
    total_waste_kg: double(row.total)
`)
	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- connect.Run(ctx, connect.Config{Dir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "cp.db"), Mux: mux, Path: "/api/connectors"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	code := 0
	for deadline := time.Now().Add(20 * time.Second); code != http.StatusAccepted && time.Now().Before(deadline); {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/ingest/waste-hook", strings.NewReader(`{"kitchen":"vallby","date":"2024-05-02","total":4.5}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer service-test-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code = resp.StatusCode; code != http.StatusAccepted {
			time.Sleep(50 * time.Millisecond) // not mounted (404) or not connected (503) yet
		}
	}
	if code != http.StatusAccepted {
		t.Fatalf("POST /api/ingest/waste-hook: %d, want 202", code)
	}
	if n := count(t, conn, "meals.food-waste.v1", 1); n != 1 {
		t.Errorf("%d events on the bus, want 1", n)
	}
}

// simYAML is a simulate connector of case steps named name, with config.
func simYAML(name, config string) string {
	return `name: ` + name + `
kind: simulate
topic: cases.step-completed.v1
config: ` + config + `
mapping:
  fields:
    case_id: row.case_id
    case_type: row.case_type
    step_id: row.step_id
    completed_at: row.completed_at
    completed_by: row.completed_by
    automated: row.automated
`
}

// TestStatusTellsAnEndFromAFailure runs the service with three simulated
// sources: one that reaches the end of its week (finished, with how many
// and when), one whose stored checkpoint it cannot seek to (failed, with
// the error), and one that follows without end (running, then stopped when
// the service stops). The status API says each, and a stop leaves the
// finished and failed ones as they were.
func TestStatusTellsAnEndFromAFailure(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	dir, db := t.TempDir(), filepath.Join(t.TempDir(), "cp.db")
	write(t, filepath.Join(dir, "week.yaml"), simYAML("sim-week", "{scenario: case-step-completed, seed: 3, start: 2024-01-01, end: 2024-01-07}"))
	write(t, filepath.Join(dir, "broken.yaml"), simYAML("sim-broken", "{scenario: case-step-completed, seed: 3, start: 2024-01-01, end: 2024-01-07}"))
	write(t, filepath.Join(dir, "follow.yaml"), simYAML("sim-follow", "{scenario: case-step-completed, seed: 3, start: 2024-01-01, follow: true, speed: 60}"))
	cps, err := connectors.OpenCheckpoints(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := cps.Save(context.Background(), "sim-broken", "not-a-position"); err != nil {
		t.Fatal(err)
	}
	cps.Close()

	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- connect.Run(ctx, connect.Config{Dir: dir, Conn: conn, DB: db, Mux: mux, Path: "/api/connectors"})
	}()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	byName := func() map[string]connectors.Status {
		m := map[string]connectors.Status{}
		for _, s := range getStatus(t, srv.URL+"/api/connectors") {
			m[s.Connector] = s
		}
		return m
	}
	var st map[string]connectors.Status
	for deadline := time.Now().Add(120 * time.Second); ; {
		st = byName()
		if st["sim-week"].State == connectors.StateFinished && st["sim-broken"].State.Ended() &&
			st["sim-follow"].State == connectors.StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the connectors never came to finished, ended, running: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	week := st["sim-week"]
	if week.RecordsOut == 0 || week.RecordsOut != week.RecordsIn || week.Failed != 0 || week.EndedAt.IsZero() || week.LastError != "" {
		t.Errorf("finished: %+v; want every record out, when it ended, no error", week)
	}
	if n := count(t, conn, "cases.step-completed.v1", int(week.RecordsOut)); n < int(week.RecordsOut) {
		t.Errorf("%d events on the bus, fewer than the %d the finished connector counts", n, week.RecordsOut)
	}
	broken := st["sim-broken"]
	if broken.State != connectors.StateFailed || !strings.Contains(broken.LastError, `"not-a-position"`) || broken.EndedAt.IsZero() || broken.RecordsIn != 0 {
		t.Errorf("failed: %+v; want failed with the seek error, nothing read", broken)
	}
	if f := st["sim-follow"]; f.State.Ended() || !f.EndedAt.IsZero() {
		t.Errorf("following: %+v; want running, not ended", f)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	after := byName() // the status stays served by the mux
	if s := after["sim-follow"]; s.State != connectors.StateStopped || s.EndedAt.IsZero() || s.LastError != "" {
		t.Errorf("after the stop the following connector is %+v; want stopped", s)
	}
	if s := after["sim-week"]; s.State != connectors.StateFinished || !s.EndedAt.Equal(week.EndedAt) {
		t.Errorf("after the stop the finished connector is %+v; want it finished as before", s)
	}
	if s := after["sim-broken"]; s.State != connectors.StateFailed {
		t.Errorf("after the stop the failed connector is %q; want failed", s.State)
	}
}
