package rules_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/automation/rules"
)

const snowType = `kind: case-type
id: snow-report
version: 2
title: Felanmälan snöröjning
steps:
  - {id: reply, title: Svar, role: kundtjänst, automation: decide, deadline_days: 1}
opened_by:
  event: roads.fault-report.v1
  condition: event.category in ["snow", "ice"]
  case_id: event.report_id
  subject: '"roads.fault-report/" + event.report_id'
  org_unit: gata-park
`

// TestOpenings: a snow or ice report opens one snow-report case with the
// case type's version, unit, subject and deadline; a pothole report opens
// none; the topic is a trigger topic even without rules.
func TestOpenings(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ct.yaml"), snowType)
	e, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.TriggerTopics(); len(got) != 1 || got[0] != "roads.fault-report.v1" {
		t.Errorf("trigger topics %v", got)
	}
	now := time.Date(2026, 1, 17, 7, 50, 0, 0, time.UTC)
	id := "7D1F0B52-9A3E-4C8B-B1E6-5F2A9C0D4E81"
	cs, err := e.Openings("roads.fault-report.v1", map[string]any{"report_id": id, "category": "snow", "contact": map[string]any{"name": "Anna"}}, now)
	if err != nil || len(cs) != 1 {
		t.Fatalf("%v %v", cs, err)
	}
	c := cs[0]
	if c.CaseID != strings.ToLower(id) || c.CaseType != "snow-report" || c.CaseTypeVersion != 2 || c.OrgUnitID != "gata-park" ||
		c.SubjectRef != "roads.fault-report/"+id || c.Deadline != "2026-01-18" {
		t.Errorf("%+v", c)
	}
	if cs, err := e.Openings("roads.fault-report.v1", map[string]any{"report_id": id, "category": "pothole"}, now); err != nil || len(cs) != 0 {
		t.Errorf("a pothole opened %v (%v)", cs, err)
	}
	if _, err := e.Openings("roads.fault-report.v1", map[string]any{"report_id": "not-a-uuid", "category": "ice"}, now); err == nil || strings.Contains(err.Error(), "not-a-uuid") {
		t.Errorf("a bad case id: %v", err)
	}
}

// TestOpeningLoadErrors: an opened_by that reads personal data into the
// subject, names a missing field, has no org unit or an unknown event is
// refused at load, naming the case type and the line.
func TestOpeningLoadErrors(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{`subject: '"roads.fault-report/" + event.report_id'`, `subject: 'event.contact.name'`, "personal data"},
		{`case_id: event.report_id`, `case_id: event.report_number`, "report_number"},
		{`org_unit: gata-park`, `org_unit: ""`, "org_unit is required"},
		{`event: roads.fault-report.v1`, `event: roads.no-such.v1`, "not an event type"},
	} {
		dir := t.TempDir()
		bad := strings.Replace(snowType, tc.from, tc.to, 1)
		if bad == snowType {
			t.Fatalf("edit %q did not apply", tc.from)
		}
		write(t, filepath.Join(dir, "ct.yaml"), bad)
		_, err := rules.Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "case type snow-report") || !strings.Contains(err.Error(), "ct.yaml:") {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}
}
