package rules_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// benchTopics are the event types the generated rules are triggered by,
// with a case id and a string field each reads.
var benchTopics = []struct{ topic, caseID, field string }{
	{"cases.case-opened.v1", "event.case_id", "case_type"},
	{"cases.step-completed.v1", "event.case_id", "step_id"},
	{"roads.fault-report.v1", "event.report_id", "category"},
	{"school.preschool-application.v1", "event.application_id", "kind"},
}

// benchDir is the worked examples (5 rules, 7 versions) plus n generated
// rules; onApplication of them are triggered by preschool applications,
// the rest by the other benchTopics in turn.
func benchDir(b *testing.B, n, onApplication int) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/examples")); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(dir, "bench-case-type.yaml"), "kind: case-type\nid: bench\nversion: 1\nsteps:\n  - {id: check, role: handläggare, automation: decide}\n")
	for i := range n {
		t := benchTopics[i%3]
		if i < onApplication {
			t = benchTopics[3]
		}
		rule := fmt.Sprintf(`kind: rule
id: bench-%02d
version: 1
active: true
case_type: bench
step: check
trigger:
  event: %s
  condition: has(event.%s)
  case_id: %s
outcomes:
  - when: event.%s != "x%d"
    outcome: completed
    result: checked
    reasons: Uppgiften {{.event.%s}} är kontrollerad enligt regel %d.
otherwise:
  reasons: Uppgiften kunde inte kontrolleras.
legal_basis: [Förvaltningslagen (2017:900) 28 §]
delegation_ref: BUN delegationsordning 2024 punkt 3.2
`, i, t.topic, t.field, t.caseID, t.field, i, t.field, i)
		write(b, filepath.Join(dir, fmt.Sprintf("bench-%02d.yaml", i)), rule)
	}
	return dir
}

// BenchmarkEvaluate: 50 rules loaded (the 5 worked examples and 45
// generated on other event types); each preschool application is found
// its 4 rules by event type and gets 4 decision records, two of them
// after population-register lookups. Target ≥ 10,000 events/s per core:
//
//	go test ./services/automation/rules -run '^$' -bench Evaluate -cpu 1
func BenchmarkEvaluate(b *testing.B) {
	benchEvaluate(b, 0, 4)
}

// BenchmarkEvaluateCrowded is BenchmarkEvaluate with 20 of the 45
// generated rules triggered by preschool applications too: 24 decisions
// per event.
func BenchmarkEvaluateCrowded(b *testing.B) {
	benchEvaluate(b, 20, 24)
}

func benchEvaluate(b *testing.B, onApplication, want int) {
	e, err := rules.Load(benchDir(b, 45, onApplication))
	if err != nil {
		b.Fatal(err)
	}
	e = e.WithLookups(register(), 0)
	ev, ctx := application(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ds, err := e.Evaluate(ctx, appTopic, "app-evt-1", ev, now)
		if err != nil || len(ds) != want {
			b.Fatalf("%d decisions, %v; want %d", len(ds), err, want)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N*want)/b.Elapsed().Seconds(), "decisions/s")
}
