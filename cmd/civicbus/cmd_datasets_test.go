package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/opendata"
)

func datasetsCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	c := newCLI(&out, &errOut, func(string) string { return "" }, freeDefaults)
	err := c.main(context.Background(), append([]string{"datasets"}, args...))
	return out.String() + errOut.String(), err
}

func TestDatasetsCheckNamesFileAndLine(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "demo", "datasets.d", "care-alarms-per-month.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, src, 0o644)
	os.WriteFile(bad, []byte(strings.Replace(string(src), "licence: cc-by-4.0", "licence: gpl", 1)), 0o644)
	out, err := datasetsCLI(t, "check", good, bad)
	if err == nil {
		t.Fatal("a bad definition passed the check")
	}
	line := 1 + strings.Count(string(src[:strings.Index(string(src), "licence:")]), "\n")
	if !strings.Contains(out, fmt.Sprintf("%s:%d: licence: must be cc-by-4.0 or cc0", bad, line)) || !strings.Contains(out, good+": ok") {
		t.Errorf("output:\n%s", out)
	}
}

// TestDatasetsCheckPersonalData: check refuses a definition that classifies
// a field weaker than the event schema marks it (resident_id, pseudonymous
// in care.alarm.v1, as public), naming the dataset, the field and both
// classes.
func TestDatasetsCheckPersonalData(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "demo", "datasets.d", "care-alarms-per-month.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "resident_id: direct") {
		t.Fatal("the demo's care-alarm dataset no longer classifies resident_id direct; adapt the test")
	}
	bad := filepath.Join(t.TempDir(), "leaky.yaml")
	os.WriteFile(bad, []byte(strings.Replace(string(src), "resident_id: direct", "resident_id: public", 1)), 0o644)
	out, err := datasetsCLI(t, "check", bad)
	if err == nil {
		t.Fatalf("a definition publishing a pseudonymous field as public passed the check:\n%s", out)
	}
	for _, want := range []string{"source.fields.resident_id", "dataset care-alarms-per-month (", `"resident_id" as public`, "/resident_id pseudonymous"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDatasetsList(t *testing.T) {
	out, err := datasetsCLI(t, "list", "--dir", filepath.Join("..", "..", "demo", "datasets.d"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"population-by-age-band", "care-alarms-per-month", "aggregate", "microdata"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %s:\n%s", want, out)
		}
	}
}

func TestDatasetsAnonymiseAdult(t *testing.T) {
	dir := testenv.TestData(t, "adult")
	if _, err := os.Stat(filepath.Join(dir, "adult.csv")); err != nil {
		t.Fatalf("the Adult data: %v", err)
	}
	outFile := filepath.Join(t.TempDir(), "out.csv")
	out, err := datasetsCLI(t, "anonymise", filepath.Join(dir, "adult.csv"), "--hierarchies", dir, "--prefix", "adult_hierarchy_", "--json", "--out", outFile)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var rep anonymiseReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Records != 30162 || rep.KReached < 5 || rep.Suppressed > 1206 || len(rep.Levels) != 9 {
		t.Errorf("report %+v", rep)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 1+rep.Records-rep.Suppressed {
		t.Errorf("%d lines written, want a header and %d rows", lines, rep.Records-rep.Suppressed)
	}
}

// TestDatasetsPreviewAndPublish drives the open-data service of a test
// process through the CLI's HTTP client.
func TestDatasetsPreviewAndPublish(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	src, err := os.ReadFile(filepath.Join("..", "..", "demo", "datasets.d", "care-alarms-per-month.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "alarms.yaml"), src, 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	done := make(chan error, 1)
	go func() {
		done <- opendata.Run(ctx, opendata.Config{Dir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "s.db"), Mux: mux})
	}()

	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i := range 60 {
		area := []string{"1980-101", "1980-102", "1980-103"}[i%3]
		if i == 59 {
			area = "1980-104" // alone in its district: a small cell
		}
		payload := fmt.Sprintf(`{"alarm_id":"00000000-0000-4000-8000-%012d","resident_id":"res-%04d","kind":"long-inactivity","status":"raised","raised_at":"2024-03-%02dT08:00:00Z","area_code":%q}`, i, i%20, 1+i%28, area)
		msgs = append(msgs, message.NewMessage(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), []byte(payload)))
	}
	if err := pub.Publish("care.alarm.v1", msgs...); err != nil {
		t.Fatal(err)
	}
	var out string
	waitFor(t, 60*time.Second, "the preview to count 60 alarms", func() bool {
		out, err = datasetsCLI(t, "preview", "care-alarms-per-month", "--url", srv.URL)
		return err == nil && strings.Contains(out, `"records_in": 60`)
	})
	if !strings.Contains(out, "1980-104") || !strings.Contains(out, "·") {
		t.Errorf("the preview does not show the suppressed cell of 1980-104 as ·:\n%s", out)
	}
	if strings.Contains(out, "res-") {
		t.Errorf("the preview shows a resident id:\n%s", out)
	}
	out, err = datasetsCLI(t, "publish", "care-alarms-per-month", "--url", srv.URL)
	if err != nil || !strings.Contains(out, "published version 1") {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	out, err = datasetsCLI(t, "publish", "care-alarms-per-month", "--url", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Errorf("publishing twice: %v\n%s", err, out)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
