package rules_test

import (
	"testing"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// TestExamples runs the worked examples' rule tests: the preschool
// placement and snow report case types.
func TestExamples(t *testing.T) {
	rep, err := rules.RunTests("testdata/examples")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) < 9 {
		t.Fatalf("%d cases run, want the 9 of the examples:\n%s", len(rep.Results), rep)
	}
	if rep.Failed() > 0 {
		t.Fatalf("rule tests failed:\n%s", rep)
	}
	t.Logf("\n%s", rep)
}
