package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// base is a valid rule; the load tests break one line of it at a time.
const base = `kind: rule
id: residency
version: 1
active: true
case_type: preschool-placement
step: residency-check
trigger:
  event: school.preschool-application.v1
  condition: event.kind == "new"
  case_id: event.application_id
inputs:
  resident:
    projection: population-register
    record: population.resident-moved-in.v1
    key: event.child_personnummer
outcomes:
  - when: has(resident.municipality_code) && resident.municipality_code == "1980"
    outcome: completed
    result: residency-confirmed
    set:
      unit: event.preferred_unit_ids[0]
    reasons: Barnet är folkbokfört i Västerås sedan {{.resident.moved_in_on}} ({{.fields.unit}}).
otherwise:
  reasons: Folkbokföringen kunde inte bekräftas.
legal_basis: [Förvaltningslagen (2017:900) 28 §]
delegation_ref: BUN delegationsordning 2024 punkt 3.2
`

// rulesDir writes the preschool case type and one rule file into a new
// directory.
func rulesDir(t *testing.T, rule string) string {
	t.Helper()
	dir := t.TempDir()
	ct, err := os.ReadFile("testdata/examples/preschool/case-type.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "case-type.yaml"), string(ct))
	write(t, filepath.Join(dir, "rule.yaml"), rule)
	return dir
}

func write(t testing.TB, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBaseLoads(t *testing.T) {
	if err := rules.Check(rulesDir(t, base)); err != nil {
		t.Fatal(err)
	}
}

// TestLoadErrors breaks the base rule in one place each and wants the
// problem at rule.yaml:<line>, naming rule residency, with the message.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"bad CEL", `condition: event.kind == "new"`, `condition: event.kind ==`, 9, "trigger.condition: ERROR"},
		{"not a bool", `condition: event.kind == "new"`, `condition: size(event.preferred_unit_ids)`, 9, "gives int, want bool"},
		{"missing field", `condition: event.kind == "new"`, `condition: event.child_name == "x"`, 9, `event.child_name: field "child_name" is not in the schema of school.preschool-application.v1`},
		{"missing field by index", `condition: event.kind == "new"`, `condition: event["kinds"] == "x"`, 9, `field "kinds" is not in the schema`},
		{"missing field in lookup", `resident.municipality_code == "1980"`, `resident.kommun == "1980"`, 17, `resident.kommun: field "kommun" is not in the schema of population.resident-moved-in.v1`},
		{"field of a string", `condition: event.kind == "new"`, `condition: event.kind.code == "x"`, 9, `kind is not an object`},
		{"unknown event type", `event: school.preschool-application.v1`, `event: school.preschool-applications.v1`, 8, `trigger.event "school.preschool-applications.v1" is not an event type of the catalog`},
		{"unknown record type", `record: population.resident-moved-in.v1`, `record: population.register.v1`, 14, `inputs.resident.record "population.register.v1" is not an event type`},
		{"personal field printed", `({{.fields.unit}})`, `({{.event.child_personnummer}})`, 22, "prints .event.child_personnummer, which is personal data (direct)"},
		{"quasi-identifier printed", `sedan {{.resident.moved_in_on}}`, `född {{.resident.birth_date}}`, 22, "prints .resident.birth_date, which is personal data (quasi-identifier)"},
		{"missing field printed", `sedan {{.resident.moved_in_on}}`, `sedan {{.event.moved_in}}`, 22, `.event.moved_in: field "moved_in" is not in the schema`},
		{"whole event printed", `({{.fields.unit}})`, `({{.event}})`, 22, "prints .event as a whole"},
		{"range in template", `({{.fields.unit}})`, `({{range .event.preferred_unit_ids}}{{.}}{{end}})`, 22, "is not allowed"},
		{"unset field printed", `({{.fields.unit}})`, `({{.fields.units}})`, 22, ".fields.units is not a field this outcome sets"},
		{"personal field set", `unit: event.preferred_unit_ids[0]`, `unit: event.guardian_email`, 21, "reads event.guardian_email, which is personal data (direct)"},
		{"condition reads an input", `condition: event.kind == "new"`, `condition: resident.municipality_code == "1980"`, 9, "trigger.condition: reads resident, but may read only event"},
		{"unknown key", `    outcome: completed`, `    outcome: completed
    outcom: completed`, 19, "field outcom not found"},
		{"step not in the case type", `step: residency-check`, `step: residence-check`, 6, `step "residence-check" is not a step of case type preschool-placement`},
		{"completed on a proposed step", `step: residency-check`, `step: placement-proposal`, 18, `step "placement-proposal" may only be proposed`},
		{"unknown case type", `case_type: preschool-placement`, `case_type: preschool`, 5, `case_type "preschool" is not a loaded case type`},
		{"otherwise completes", `  reasons: Folkbokföringen kunde inte bekräftas.`, `  outcome: completed
  reasons: Folkbokföringen kunde inte bekräftas.`, 24, "otherwise has no when and always refers"},
		{"no legal basis", `legal_basis: [Förvaltningslagen (2017:900) 28 §]`, `legal_basis: []`, 2, "legal_basis must name at least one provision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("base has no %q", tt.old)
			}
			err := rules.Check(rulesDir(t, strings.Replace(base, tt.old, tt.new, 1)))
			var ps rules.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("got %v, want Problems", err)
			}
			for _, p := range ps {
				if filepath.Base(p.File) == "rule.yaml" && p.Line == tt.line && p.Rule == "residency" && strings.Contains(p.Msg, tt.want) {
					if !strings.Contains(p.Error(), "rule.yaml:") || !strings.Contains(p.Error(), "rule residency: ") {
						t.Errorf("Error() = %q, want file:line and rule id", p.Error())
					}
					return
				}
			}
			t.Errorf("want a problem at rule.yaml:%d for rule residency containing %q; got:\n%v", tt.line, tt.want, err)
		})
	}
}

// TestDuplicateVersion refuses one rule id and version twice: a change is
// a new version.
func TestDuplicateVersion(t *testing.T) {
	dir := rulesDir(t, base)
	write(t, filepath.Join(dir, "rule-copy.yaml"), base)
	err := rules.Check(dir)
	if err == nil || !strings.Contains(err.Error(), "rule residency: version 1 is also in") {
		t.Fatalf("got %v, want the duplicate version refused", err)
	}
}

// TestNestedFields: event.a.b is checked against the nested object's
// schema, and a field inside a personal object is personal.
func TestNestedFields(t *testing.T) {
	rule := func(when, reasons string) string {
		return `kind: rule
id: snow-nested
version: 1
active: true
case_type: snow-report
step: reply
trigger:
  event: roads.fault-report.v1
  case_id: event.report_id
outcomes:
  - when: ` + when + `
    outcome: completed
    reasons: ` + reasons + `
otherwise:
  reasons: En arbetsledare bedömer anmälan.
legal_basis: [Förvaltningslagen (2017:900) 28 §]
delegation_ref: TN delegationsordning 2024 punkt 5.1
`
	}
	dir := func(r string) string {
		d := t.TempDir()
		ct, err := os.ReadFile("testdata/examples/snow/case-type.yaml")
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(d, "case-type.yaml"), string(ct))
		write(t, filepath.Join(d, "rule.yaml"), r)
		return d
	}
	if err := rules.Check(dir(rule("has(event.position.lat) && event.position.lat > 59.0", "Anmälan gäller {{.event.position.lat}}."))); err != nil {
		t.Fatalf("nested fields refused: %v", err)
	}
	for _, tt := range []struct{ when, reasons, want string }{
		{"event.position.alt > 0.0", "Tack.", `rule.yaml:11: rule snow-nested: outcomes[0].when: event.position.alt: field "position.alt" is not in the schema of roads.fault-report.v1`},
		{"true", "Tack {{.event.contact.name}}.", `rule.yaml:13: rule snow-nested: outcomes[0].reasons: prints .event.contact.name, which is personal data (direct)`},
	} {
		err := rules.Check(dir(rule(tt.when, tt.reasons)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}
