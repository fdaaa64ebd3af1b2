package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func rulesCLI(args ...string) (string, error) {
	var out syncBuffer
	c := newCLI(&out, &out, func(string) string { return "" }, freeDefaults)
	err := c.main(context.Background(), append([]string{"rules"}, args...))
	return out.String(), err
}

func TestRulesCheckAndTest(t *testing.T) {
	examples := filepath.Join("..", "..", "services", "automation", "rules", "testdata", "examples")
	if out, err := rulesCLI("check", examples); err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("check of the examples: %v\n%s", err, out)
	}
	out, err := rulesCLI("test", examples)
	if err != nil || !strings.Contains(out, "0 failed") {
		t.Fatalf("test of the examples: %v\n%s", err, out)
	}

	// A rule reading a field the event does not have is refused, with its
	// file, line and id.
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(examples, "preschool", "completeness.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := os.ReadFile(filepath.Join(examples, "preschool", "case-type.yaml"))
	os.WriteFile(filepath.Join(dir, "case-type.yaml"), ct, 0o644)
	bad := strings.Replace(string(src), "has(event.hours_per_week)", "has(event.hours_a_week)", 1)
	os.WriteFile(filepath.Join(dir, "completeness.yaml"), []byte(bad), 0o644)
	out, err = rulesCLI("check", dir)
	if err == nil || !strings.Contains(out, "completeness.yaml:") || !strings.Contains(out, "preschool-completeness") || !strings.Contains(out, "hours_a_week") {
		t.Errorf("check of a rule reading a missing field: %v\n%s", err, out)
	}
}
