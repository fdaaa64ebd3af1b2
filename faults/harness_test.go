package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
)

// The binary under test, built once per test run by civicbus.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// civicbus builds cmd/civicbus (once) and returns the binary's path.
func civicbus(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "civicbus-faults-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "civicbus")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/vasteras/civicbus/cmd/civicbus")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/civicbus: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a civicbus child process.
type proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startProc starts civicbus with args in dir, with only the CIVICBUS_
// variables of env (the test's own CIVICBUS_ variables are left out, so
// the child sees what the test says and nothing else). It is killed when
// the test ends.
func startProc(t testing.TB, name, dir string, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(civicbus(t), args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CIVICBUS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, name: name, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s (civicbus %s)\nstdout:\n%s\nstderr (last 8 KiB):\n%s", name, strings.Join(args, " "), p.stdout, tail(p.stderr.String(), 8<<10))
		}
		p.kill()
	})
	return p
}

// banner waits for the banner row called row and returns its value's first
// field (an address without the note after it).
func (p *proc) banner(row string) string {
	p.t.Helper()
	var v string
	waitFor(p.t, 60*time.Second, p.name+"'s banner row "+row, func() bool {
		select {
		case <-p.done:
			p.t.Fatalf("%s ended before its banner: %v\nstderr:\n%s", p.name, p.err, tail(p.stderr.String(), 8<<10))
		default:
		}
		v = bannerRow(p.stdout.String(), row)
		return v != ""
	})
	f, _, _ := strings.Cut(v, " ")
	return f
}

// httpBase is the process's HTTP root without the trailing slash.
func (p *proc) httpBase() string { return strings.TrimSuffix(p.banner("HTTP"), "/") }

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for the process to end on its own; it
// fails the test when it takes more than 30 s or ends with an error.
func (p *proc) stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Errorf("%s ended with %v\nstderr:\n%s", p.name, p.err, tail(p.stderr.String(), 8<<10))
		}
	case <-time.After(30 * time.Second):
		p.t.Errorf("%s did not stop within 30 s of SIGTERM", p.name)
		p.kill()
	}
}

// alive fails the test when the process has ended.
func (p *proc) alive() {
	p.t.Helper()
	select {
	case <-p.done:
		p.t.Fatalf("%s ended: %v\nstderr:\n%s", p.name, p.err, tail(p.stderr.String(), 8<<10))
	default:
	}
}

func bannerRow(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), name+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// --- the stream: food-waste weighings dropped as a CSV file ---

const (
	appTopic      = "school.preschool-application.v1"
	decisionTopic = "cases.decision-recorded.v1"
	wasteTopic    = "meals.food-waste.v1"
	datasetName   = "fault-food-waste"
	connectorYML  = "kitchen-waste.yaml"
)

// wasteCSV is n weighings, each of its own kitchen and day (so n distinct
// events and n cells of the dataset): kitchens kok-0 … kok-49, a day each
// from 2000-01-01 on. bad, when not negative, is the row (0-based) whose
// total is not a number: a poison record.
func wasteCSV(n, bad int) []byte {
	var b bytes.Buffer
	b.Grow(n * 40)
	b.WriteString("kitchen,date,meal,total,diners\n")
	day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		total := fmt.Sprintf("%d.5", 1+i%20)
		if i == bad {
			total = "plenty"
		}
		fmt.Fprintf(&b, "kok-%d,%s,lunch,%s,%d\n", i%50, day.AddDate(0, 0, i/50).Format(time.DateOnly), total, 100+i%300)
	}
	return b.Bytes()
}

// dropFile writes data into dir/name the way a careful sender does: as
// name.part, renamed when complete.
func dropFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	part := filepath.Join(dir, name+".part")
	if err := os.WriteFile(part, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(part, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// world is the directories a civicbus child runs with: its working dir,
// the connector files, the dataset definitions (testdata) and the drop dir.
type world struct {
	work, connectors, drop, apps string
}

func newWorld(t testing.TB, batch int) world {
	t.Helper()
	root := t.TempDir()
	w := world{work: filepath.Join(root, "work"), connectors: filepath.Join(root, "connectors.d"), drop: filepath.Join(root, "drop")}
	for _, d := range []string{w.work, w.connectors, w.drop} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	yaml := fmt.Sprintf(`name: kitchen-waste
kind: filedrop
topic: %s
config:
  dir: %s
  poll_interval_ms: 100
  batch_size: %d
mapping:
  fields:
    kitchen_id: row.kitchen
    date: row.date
    meal: row.meal
    total_waste_kg: double(row.total)
    diners: int(row.diners)
`, wasteTopic, w.drop, batch)
	if err := os.WriteFile(filepath.Join(w.connectors, connectorYML), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	w.apps = filepath.Join(root, "drop-applications")
	if err := os.MkdirAll(w.apps, 0o755); err != nil {
		t.Fatal(err)
	}
	apps := fmt.Sprintf(`name: applications
kind: filedrop
topic: %s
config:
  dir: %s
  poll_interval_ms: 100
  batch_size: %d
mapping:
  fields:
    application_id: row.id
    submitted_at: row.submitted_at
    child_personnummer: row.child
    guardian_email: row.email
    desired_start_date: row.start
    preferred_unit_ids: '[row.unit]'
    hours_per_week: double(row.hours)
`, appTopic, w.apps, batch)
	if err := os.WriteFile(filepath.Join(w.connectors, "applications.yaml"), []byte(apps), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

// applicationsCSV is n preschool applications (synthetic numbers of the
// right shape, as the automation's tests use), each its own case.
func applicationsCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,submitted_at,child,email,start,unit,hours\n")
	for i := range n {
		fmt.Fprintf(&b, "%s,2026-03-02T08:59:30+01:00,20230314-%04d,vardnadshavare@example.se,2026-08-17,forskola-haga,40\n", applicationID(i), i%10000)
	}
	return b.Bytes()
}

func applicationID(i int) string { return fmt.Sprintf("f0000000-0000-4000-8000-%012d", i) }

// env is the child's environment: the world's connectors and the fault
// tests' dataset, no rules, no MQTT.
func (w world) env() map[string]string {
	datasets, _ := filepath.Abs(filepath.Join("testdata", "datasets.d"))
	rules, _ := filepath.Abs(filepath.Join("testdata", "rules.d"))
	return map[string]string{
		"CIVICBUS_CONNECTORS_DIR": w.connectors,
		"CIVICBUS_DATASETS_DIR":   datasets,
		"CIVICBUS_RULES_DIR":      rules,
		"CIVICBUS_MQTT_LISTEN":    "off",
		"CIVICBUS_DEMO":           "false",
		"CIVICBUS_LOG_LEVEL":      "WARN",
	}
}

// processed reports whether the drop dir's file name has been put on the bus
// in full (filedrop moves it to processed/).
func (w world) processed(name string) bool {
	_, err := os.Stat(filepath.Join(w.drop, "processed", name))
	return err == nil
}

// --- reading results through the product's APIs ---

// datasetChanges is how many events the open-data service has applied to
// the fault tests' dataset (its pending changes: the dataset is never
// published on a schedule), read from its API at base.
func datasetChanges(base string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/opendata/datasets/"+datasetName, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET dataset: %d %s", resp.StatusCode, body)
	}
	var v struct {
		Summary struct {
			Pending int64 `json:"pending_changes"`
		} `json:"summary"`
		Versions []json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return 0, err
	}
	if len(v.Versions) > 0 {
		return 0, fmt.Errorf("the dataset was published (%d versions): its pending changes no longer count every event", len(v.Versions))
	}
	return v.Summary.Pending, nil
}

// syncBuffer and waitFor are testenv's, under the names this package's tests use.
type syncBuffer = testenv.Buffer

var waitFor = testenv.WaitFor
