package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/connect"
)

// wasteConnector is the kitchen food-waste connector of the filedrop test
// data, reading dir.
func wasteConnector(dir string) string {
	return `name: kitchen-waste
kind: filedrop
topic: meals.food-waste.v1
config:
  dir: ` + dir + `
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
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectorsList(t *testing.T) {
	out := runCommand(t, "connectors", "list")
	for _, want := range []string{"filedrop", "watches a directory", "config.dir", "config.encoding", "mapping.fields", "Directory to watch"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if out := runCommand(t, "help", "connectors"); !strings.Contains(out, "connectors try <file.yaml>") {
		t.Errorf("help connectors: %s", out)
	}
	out = runCommand(t, "connectors", "list", "--json")
	var d kindDoc
	if err := json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range d.Fields {
		if f.Field == "config.dir" {
			found = f.Required && f.Type == "string" && f.Description != ""
		}
	}
	if d.Kind != "filedrop" || !found {
		t.Errorf("list --json: %+v", d)
	}
}

func TestConnectorsCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", wasteConnector(t.TempDir()))
	out := runCommand(t, "connectors", "check", good)
	if !strings.Contains(out, "ok: "+good) {
		t.Errorf("check good: %s", out)
	}

	unknown := writeFile(t, dir, "unknown.yaml", strings.Replace(wasteConnector(dir), "  delimiter:", "  delimeter:", 1))
	top := writeFile(t, dir, "top.yaml", "sauce: 1\n"+wasteConnector(dir))
	cel := writeFile(t, dir, "cel.yaml", strings.Replace(wasteConnector(dir), "date: row.datum", "date: row.datum +", 1))
	topic := writeFile(t, dir, "topic.yaml", strings.Replace(wasteConnector(dir), "meals.food-waste.v1", "meals.no-such.v1", 1))
	out, err := runCommandErr(t, "connectors", "check", good, unknown, top, cel, topic)
	if err == nil {
		t.Fatal("check of bad files: no error")
	}
	for _, want := range []string{
		"ok: " + good,
		unknown + ":6: config: field delimeter not found",
		top + ":1: field sauce not found",
		cel + `:13: mapping: field "date"`,
		topic + `:3: topic: "meals.no-such.v1" is not in the catalog`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(err.Error(), "4 of 5") {
		t.Errorf("err = %v", err)
	}
}

func TestConnectorsTry(t *testing.T) {
	drop := t.TempDir()
	data, err := os.ReadFile("../../connectors/filedrop/testdata/matsvinn-cp1252.csv")
	if err != nil {
		t.Fatal(err)
	}
	csv := writeFile(t, drop, "matsvinn.csv", string(data))
	yml := writeFile(t, t.TempDir(), "waste.yaml", wasteConnector(drop))
	start := time.Now()
	out := runCommand(t, "connectors", "try", yml, "--limit", "20", "--idle", "500ms")
	if time.Since(start) > 10*time.Second {
		t.Errorf("try took %v", time.Since(start))
	}
	for _, want := range []string{
		"matsvinn.csv:2: valid",
		`"kitchen_id":"vallby-skola"`,
		"matsvinn.csv:5: INVALID, would be dead-lettered: csv:",
		"matsvinn.csv:6: INVALID, would be dead-lettered: contract:",
		"6 records read",
		"3 valid, 3 would be dead-lettered; nothing published",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("try lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, ": valid  id=") != 3 {
		t.Errorf("want 3 valid events:\n%s", out)
	}
	if _, err := os.Stat(csv); err != nil {
		t.Errorf("the file moved: %v", err)
	}
	entries, _ := os.ReadDir(drop)
	if len(entries) != 1 {
		t.Errorf("try changed the drop directory: %v", entries)
	}

	out = runCommand(t, "connectors", "try", "--limit", "2", "--json", yml)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("try --limit 2 --json: %s", out)
	}
	var r tryResult
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || !r.Valid || r.ID == "" {
		t.Errorf("try --json: %s (%v)", lines[0], err)
	}
}

func TestConnectorsStatus(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/connectors" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode([]connectors.Status{
			{Connector: "kitchen-waste", State: connectors.StateRunning, LastSuccess: at, RecordsIn: 6, RecordsOut: 3, Failed: 3, Lag: 1},
			{Connector: "schools", State: connectors.StateBackoff, LastError: "filedrop: no such directory", LastErrorAt: at},
			{Connector: "sim-applications", State: connectors.StateFinished, EndedAt: at.Add(time.Minute), RecordsIn: 2214, RecordsOut: 2214},
			{Connector: "sim-cases", State: connectors.StateFailed, EndedAt: at.Add(2 * time.Minute),
				LastError: `simulate: position "x" is not day/index`, LastErrorAt: at.Add(2 * time.Minute)},
		})
	}))
	defer srv.Close()
	out := runCommand(t, "connectors", "status", "--url", srv.URL+"/api/connectors")
	for _, want := range []string{"NAME", "ENDED", "kitchen-waste", "running", "2026-11-25T10:00:00Z", "schools", "backoff", "filedrop: no such directory",
		"sim-applications  finished  2026-11-25T10:01:00Z  2214  2214", "sim-cases         failed    2026-11-25T10:02:00Z",
		`2026-11-25T10:02:00Z simulate: position "x" is not day/index`,
		"finished: read all of its input, which is on the bus (a normal end)", "failed: ended with the error under LAST ERROR"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "stopped:") {
		t.Errorf("the legend explains a state no connector is in:\n%s", out)
	}
	if _, err := runCommandErr(t, "connectors", "status", "--url", srv.URL+"/nope"); err == nil {
		t.Error("status of a 404: no error")
	}
}

func TestProgressLine(t *testing.T) {
	for _, c := range []struct {
		s    connectors.Status
		want string
	}{
		{connectors.Status{Connector: "kitchen-waste", State: connectors.StateRunning, Rate: 48210.4,
			Backfill: &connectors.Backfill{Done: 520, Total: 1000, Percent: 52, ETASeconds: 11.2}},
			"kitchen-waste  [##########..........]  52%  48,210 rec/s  ETA 0:12"},
		{connectors.Status{Connector: "schools", State: connectors.StateRunning, Rate: 3,
			Backfill: &connectors.Backfill{Done: 0, Total: 7, Percent: 0}},
			"schools        [....................]   0%  3 rec/s  ETA -:--"},
		{connectors.Status{Connector: "census", Rate: 1234567, Backfill: &connectors.Backfill{Percent: 99.9, ETASeconds: 3725}},
			"census         [###################.]  99%  1,234,567 rec/s  ETA 1:02:05"},
		{connectors.Status{Connector: "hook", State: connectors.StateBackoff, RecordsIn: 12345, RecordsOut: 12000, Failed: 345},
			"hook           backoff     0 rec/s  in 12,345  out 12,000  failed 345"},
		{connectors.Status{Connector: "sim-cases", State: connectors.StateFinished, RecordsIn: 2214, RecordsOut: 2214,
			EndedAt: time.Date(2026, 11, 25, 10, 1, 0, 0, time.UTC)},
			"sim-cases      finished    0 rec/s  in 2,214  out 2,214  failed 0  at 2026-11-25T10:01:00Z"},
		{connectors.Status{Connector: "sim-failing", State: connectors.StateFailed, LastError: "seek: bad\nposition",
			EndedAt: time.Date(2026, 11, 25, 10, 2, 0, 0, time.UTC)},
			"sim-failing    failed      0 rec/s  in 0  out 0  failed 0  at 2026-11-25T10:02:00Z  seek: bad; position"},
	} {
		if got := progressLine(c.s, 13); got != c.want {
			t.Errorf("progressLine:\n got %q\nwant %q", got, c.want)
		}
	}
}

func TestRedraw(t *testing.T) {
	if got := redraw(0, []string{"a", "b"}, true); got != "\r\x1b[2Ka\n\r\x1b[2Kb\n" {
		t.Errorf("first round on a terminal: %q", got)
	}
	if got := redraw(3, []string{"a", "b"}, true); got != "\x1b[3A\r\x1b[2Ka\n\r\x1b[2Kb\n\x1b[2K\n" {
		t.Errorf("a later round on a terminal: %q", got)
	}
	if got := redraw(2, []string{"a", "b"}, false); got != "a\nb\n" {
		t.Errorf("not a terminal: %q", got)
	}
}

// TestConnectorsStatusWatch: --watch asks again and again and, its output
// being no terminal, prints plain lines.
func TestConnectorsStatusWatch(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked++
		n := asked
		mu.Unlock()
		_ = json.NewEncoder(w).Encode([]connectors.Status{{Connector: "kitchen-waste", State: connectors.StateRunning, Rate: 10,
			Backfill: &connectors.Backfill{Done: int64(10 * n), Total: 100, Percent: float64(10 * n), ETASeconds: 9}}})
	}))
	defer srv.Close()
	r := start(t, defaultAddrs{}, nil, "connectors", "status", "--watch", "--interval", "5ms", "--url", srv.URL)
	connectortest.WaitFor(t, "three rounds", 10*time.Second, func() bool { return strings.Count(r.stdout.String(), "\n") >= 3 })
	out := r.stdout.String()
	if strings.Contains(out, "\x1b[") {
		t.Errorf("escape codes in plain output: %q", out)
	}
	for _, want := range []string{"kitchen-waste  [##..................]  10%  10 rec/s  ETA 0:09\n", "kitchen-waste  [####................]  20%"} {
		if !strings.Contains(out, want) {
			t.Errorf("watch lacks %q:\n%s", want, out)
		}
	}
}

// TestConnectorsStatusOfTheService: `connectors status` against the real
// connectors service, whose simulator reached the end of its week, says
// finished with its count and that it is a normal end, not a failure.
func TestConnectorsStatusOfTheService(t *testing.T) {
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "week.yaml"), []byte(`name: sim-week
kind: simulate
topic: cases.step-completed.v1
config: {scenario: case-step-completed, seed: 5, start: 2024-01-01, end: 2024-01-07}
mapping:
  fields: {case_id: row.case_id, case_type: row.case_type, step_id: row.step_id, completed_at: row.completed_at, completed_by: row.completed_by, automated: row.automated}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- connect.Run(ctx, connect.Config{Dir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "cp.db"), Mux: mux, Path: "/api/connectors"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("connect.Run: %v", err)
		}
	}()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var st connectors.Status
	connectortest.WaitFor(t, "the simulator to finish", 120*time.Second, func() bool {
		list, err := fetchStatus(t.Context(), srv.URL+"/api/connectors")
		if err != nil || len(list) != 1 {
			return false
		}
		st = list[0]
		return st.State == connectors.StateFinished
	})
	out := runCommand(t, "connectors", "status", "--url", srv.URL+"/api/connectors")
	row := "sim-week  finished  " + st.EndedAt.UTC().Format(time.RFC3339) + "  " + strconv.FormatInt(st.RecordsIn, 10) + "  " + strconv.FormatInt(st.RecordsOut, 10) + "  0"
	for _, want := range []string{row, "finished: read all of its input, which is on the bus (a normal end)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if st.RecordsOut == 0 || strings.Contains(out, "failed:") || strings.Contains(out, "stopped") {
		t.Errorf("a finished simulator of %d records shown as:\n%s", st.RecordsOut, out)
	}
}
