package dataset_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services/opendata/dataset"
)

// def is a small aggregate dataset of topic whose source.fields are fields
// (YAML flow mapping) and whose one column reads expr.
func def(topic, fields, expr string) string {
	return fmt.Sprintf(`id: 7d1f0c2a-3b4c-4d5e-8f60-718293a4b5c6
name: personal-check
title: {sv: Prov, en: Test}
description: {sv: Prov., en: Test.}
themes: [GOVE]
contact_point: {name: Öppna data, email: opendata@vasteras.se}
licence: cc0
update_frequency: monthly
source:
  topics: [%s]
  fields: %s
shape:
  kind: aggregate
  columns:
    - {name: c, expr: '%s'}
  group_by: [c]
  measures:
    - {name: n, fn: count}
privacy: {}
`, topic, fields, expr)
}

// refused parses src and wants it refused with a problem holding every one
// of want.
func refused(t *testing.T, src string, want ...string) {
	t.Helper()
	_, ps := parse(t, src)
	if ps == nil {
		t.Fatalf("accepted; want a refusal naming %q", want)
	}
	for _, p := range ps {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(p.Error(), w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no problem names all of %q:\n%v", want, ps)
}

func accepted(t *testing.T, src string) {
	t.Helper()
	if _, ps := parse(t, src); ps != nil {
		t.Errorf("refused: %v", ps)
	}
}

const dsID = "dataset personal-check (7d1f0c2a-3b4c-4d5e-8f60-718293a4b5c6)"

func TestSchemaDirectFieldMustBeClassifiedDirect(t *testing.T) {
	const topic = "school.preschool-application.v1"
	for _, class := range []string{"public", "quasi", "sensitive"} {
		t.Run(class, func(t *testing.T) {
			refused(t, def(topic, "{kind: public, child_personnummer: "+class+"}", "event.kind"),
				dsID, `"child_personnummer"`, "as "+class, "school.preschool-application.v1", "/child_personnummer direct", "source.fields.child_personnummer")
		})
	}
	// Even when no column reads it: the class is what a later column would be allowed.
	refused(t, def(topic, "{kind: public, guardian_email: public}", "event.kind"), `"guardian_email"`, "direct")
	accepted(t, def(topic, "{kind: public, child_personnummer: direct}", "event.kind"))
}

func TestSchemaQuasiAndPseudonymousFieldsMayNotBePublic(t *testing.T) {
	const topic = "care.alarm.v1"
	refused(t, def(topic, "{area_code: public}", "event.area_code"),
		dsID, `"area_code" as public`, "/area_code quasi-identifier")
	refused(t, def(topic, "{kind: public, resident_id: public}", "event.kind"),
		dsID, `"resident_id" as public`, "/resident_id pseudonymous")
	for _, class := range []string{"quasi", "sensitive", "direct"} {
		accepted(t, def(topic, "{kind: public, area_code: "+class+", resident_id: "+class+"}", "event.kind"))
	}
}

func TestSchemaFreeTextFieldIsReadByNothing(t *testing.T) {
	const topic = "cases.comment-added.v1"
	for _, class := range []string{"public", "quasi", "sensitive"} {
		refused(t, def(topic, "{case_type: public, text: "+class+"}", "event.text.size() > 100 ? \"long\" : \"short\""),
			dsID, `reads field "text" (classified `+class+`)`, "marks free-text at /text", "shape.columns[0].expr")
	}
	// A filter is not published, but what it keeps is: it may not read free text either.
	refused(t, strings.Replace(def(topic, "{case_type: public, text: sensitive}", "event.case_type"),
		"  fields:", "  filter: event.text.contains(\"barn\")\n  fields:", 1),
		`reads field "text"`, "source.filter", "free-text")
	// Nor a pseudonymised column: a hash of a comment is still the comment.
	src := def(topic, "{case_type: public, text: direct}", "event.text")
	src = strings.Replace(src, "privacy: {}", "privacy: {pseudonymise: [c]}", 1)
	refused(t, src, `reads field "text" (classified direct)`, "free-text")
	// Classified but read by nothing: accepted (nothing is left for a person to decide).
	accepted(t, def(topic, "{case_type: public, text: sensitive}", "event.case_type"))
}

func TestSchemaMarksUnderAFieldCount(t *testing.T) {
	// contact is an object whose name, email and phone are direct identifiers.
	refused(t, def("roads.fault-report.v1", "{category: public, contact: sensitive}", "event.category"),
		dsID, `"contact" as sensitive`, "/contact", "direct")
	// inputs is an array of objects whose ref is pseudonymous.
	refused(t, def("cases.decision-recorded.v1", "{case_type: public, inputs: public}", "event.case_type"),
		dsID, `"inputs" as public`, "/inputs/*/ref pseudonymous")
	accepted(t, def("cases.decision-recorded.v1", "{case_type: public, inputs: sensitive}", "event.case_type"))
	// Free text under a field: roads.fault-report's description.
	refused(t, def("roads.fault-report.v1", "{category: public, description: sensitive}", "event.description"),
		`reads field "description"`, "free-text at /description")
}

func TestSchemaUnknownFieldKeepsDefinitionsClass(t *testing.T) {
	// A field the schema does not list is checked by source.fields alone, as before.
	accepted(t, def("care.alarm.v1", "{kind: public, not_in_the_schema: public}", "event.not_in_the_schema"))
	// A topic outside the catalog: the same.
	accepted(t, def("local.custom-topic.v1", "{personnummer: public}", "event.personnummer"))
}

func TestDemoDatasetsPassThePersonalDataCheck(t *testing.T) {
	ls, err := dataset.LoadDir(filepath.Join("..", "..", "..", "demo", "datasets.d"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) < 9 {
		t.Errorf("%d demo datasets loaded, want every one (9 or more)", len(ls))
	}
}
