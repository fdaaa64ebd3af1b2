package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// TestRunTestsReportsFailures: a rule test whose expectations are wrong
// fails, naming the rule and what differs, and so does a decision nobody
// expected.
func TestRunTestsReportsFailures(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/examples/snow")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "tests.yaml")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "wrong.yaml"), `kind: rule-test
name: wrong expectations
cases:
  - name: expects a completion the rule cannot give
    now: 2026-01-17T07:50:00+01:00
    given:
      topic: roads.fault-report.v1
      id: fault-evt-0002
      event: {report_id: 8e2a1c63-0b4f-4d9c-82f7-6a3b0d1e5f92, reported_at: "2026-01-17T07:48:00+01:00", category: ice, area_code: "1980-415"}
    expect:
      - {rule: snow-area-scheduled, outcome: completed, result: automated-reply, motivering_contains: [redan inplanerat]}
  - name: expects nothing
    now: 2026-01-17T07:50:00+01:00
    given:
      topic: roads.fault-report.v1
      id: fault-evt-0003
      event: {report_id: 9f3b2d74-1c5a-4ea0-93a8-7b4c1e2f6a03, reported_at: "2026-01-17T07:48:00+01:00", category: snow, area_code: "1980-415"}
    expect: []
  - name: a given event that breaks its schema
    now: 2026-01-17T07:50:00+01:00
    given:
      topic: roads.fault-report.v1
      id: fault-evt-0004
      event: {report_id: not-a-uuid, reported_at: "2026-01-17T07:48:00+01:00", category: pothole}
    expect: []
`)
	rep, err := rules.RunTests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() != 3 {
		t.Fatalf("%d failed, want 3:\n%s", rep.Failed(), rep)
	}
	out := rep.String()
	for _, want := range []string{
		"FAIL " + filepath.Join(dir, "wrong.yaml") + ":4 expects a completion",
		"rule snow-area-scheduled: outcome: want completed, got referred",
		"rule snow-area-scheduled: result: want automated-reply, got",
		`does not contain "redan inplanerat"`,
		"rule snow-area-scheduled: unexpected decision (reply, referred)",
		"given.event does not match its schema: ", "/report_id: must be a valid uuid",
		"3 cases, 3 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
