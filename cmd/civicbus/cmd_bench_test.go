package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchChildEnv makes this test binary act as civicbus itself: `civicbus
// bench` starts os.Executable() as its `run`, which in a test is the test
// binary.
const benchChildEnv = "CIVICBUS_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		if err != nil {
			os.Stderr.WriteString("civicbus: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchReportAddsUp runs `civicbus bench` for 3 s at 200 events/s and
// checks that its report is complete and its counts add up: every event
// issued is accepted, every weighing applied once to the dataset, every
// application decided once, and each latency measured for every event.
func TestBenchReportAddsUp(t *testing.T) {
	t.Setenv(benchChildEnv, "1") // not parallel: the child inherits it
	out := &syncBuffer{}
	c := newCLI(out, &syncBuffer{}, func(string) string { return "" }, freeDefaults)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const rate, seconds = 200, 3
	if err := c.main(ctx, []string{"bench", "--rate", "200", "--duration", "3s", "--drain", "2m", "--json"}); err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var r benchReport
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	want := map[string]int{benchWebhook: 240, benchFiles: 120, benchSensor: 120, benchCases: 120} // the default mix of 600
	for s, n := range want {
		if r.Issued[s] != n || r.Accepted[s] != n || r.Rejected[s] != 0 {
			t.Errorf("%s: %d issued, %d accepted, %d refused; want %d, %d, 0", s, r.Issued[s], r.Accepted[s], r.Rejected[s], n, n)
		}
	}
	// Each application decided once (distinct decisions); the topics may
	// hold a record twice with the same id (the bus is at-least-once: a
	// handler retried after it published publishes the same ids again).
	if !r.Complete || r.DatasetApplied != 360 || r.DatasetWanted != 360 || r.Decisions != 120 || r.InInbox != 120 || r.DecisionRecords < 120 || r.ApplicationRecords < 120 {
		t.Errorf("counts: complete %v, dataset %d of %d, decisions %d, %d in the inbox (%d records, %d applications); want 360, 120, 120 (records at least 120)",
			r.Complete, r.DatasetApplied, r.DatasetWanted, r.Decisions, r.InInbox, r.DecisionRecords, r.ApplicationRecords)
	}
	for name, l := range map[string]latency{"bus": r.SourceToBus, "dataset": r.SourceToDataset, "decision": r.SourceToDecision, "task": r.SourceToInbox} {
		wantN := map[string]int{"bus": 480, "dataset": 360, "decision": 120, "task": 120}[name]
		if l.N != wantN || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
			t.Errorf("source → %s: %+v, want %d events and 0 < p50 ≤ p99 ≤ max", name, l, wantN)
		}
	}
	if r.CPUSeconds <= 0 || r.PeakRSSMB <= 0 || r.PeakHeapMB <= 0 || r.PeakHeapMB > r.PeakRSSMB || r.OfferedPerSecond <= 0 || r.LoadBefore == "" {
		t.Errorf("process figures missing: %+v", r)
	}
	if r.Rate != rate || r.DurationSeconds != seconds {
		t.Errorf("report of rate %d for %v s, want %d for %d", r.Rate, r.DurationSeconds, rate, seconds)
	}

	// The text form names every figure.
	text := &strings.Builder{}
	r.write(text)
	for _, want := range []string{"source → bus", "source → dataset", "source → decision", "source → task", "peak memory", "CPU", "load average", "targets"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
}

func TestBenchFlagsAreChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "0"}, "--rate must be at least 1"},
		{[]string{"--duration", "10ms"}, "--duration must be at least 1s"},
		{[]string{"--mix", "webhook=1,fax=2"}, `unknown source "fax"`},
		{[]string{"--mix", "webhook"}, "is not name=weight"},
		{[]string{"--mix", "webhook=0"}, "no source has a weight"},
		{[]string{"--mix", "cases=-1"}, "must be a number ≥ 0"},
	} {
		c := newCLI(&syncBuffer{}, &syncBuffer{}, func(string) string { return "" }, freeDefaults)
		err := c.main(context.Background(), append([]string{"bench"}, tc.args...))
		var usage usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &usage) {
			t.Errorf("bench %q: %v, want a usage error saying %q", tc.args, err, tc.want)
		}
	}
	mix, err := parseMix("webhook=3, cases=1")
	if err != nil || mix[benchWebhook] != 0.75 || mix[benchCases] != 0.25 {
		t.Errorf("parseMix: %v %v", mix, err)
	}
}
