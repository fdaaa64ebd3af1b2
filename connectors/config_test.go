package connectors_test

import (
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every one must be in the error
	}{
		{"unknown top-level field", "name: a\nkind: filedrop\ntopci: x\n",
			[]string{"test.yaml", "line 3: field topci not found"}},
		{"unknown kind field", "name: a\nkind: filedrop\ntopic: meals.food-waste.v1\nconfig:\n  dir: /tmp\n  delimitr: ';'\nmapping: {fields: {kitchen_id: row.k}}\n",
			[]string{"line 6: field delimitr not found in Config"}},
		{"everything wrong at once", "name: A B\nkind: nope\ntopic: no.such.v1\nmapping: {fields: {x: ''}}\n",
			[]string{`name: "A B"`, `kind: "nope" is not a known kind`, `topic: "no.such.v1" is not in the catalog`, `field "x": the expression is empty`}},
		{"bad filedrop values", "name: a\nkind: filedrop\ntopic: meals.food-waste.v1\nconfig: {delimiter: ';;', encoding: ebcdic}\nmapping: {fields: {kitchen_id: row.k}}\n",
			[]string{"dir: required", `delimiter: ";;"`, `encoding: "ebcdic"`}},
		{"mapping does not compile", "name: a\nkind: filedrop\ntopic: meals.food-waste.v1\nconfig: {dir: /tmp}\nmapping: {fields: {total_waste_kg: 'double(row.t'}}\n",
			[]string{`mapping: field "total_waste_kg"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := connectors.ParseConfig([]byte(tt.yaml), "test.yaml")
			if err == nil {
				_, _, err = all.Registry().Build(cfg, nil)
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestRegistryIsAnExplicitList(t *testing.T) {
	if _, err := connectors.NewRegistry(all.Kinds()...); err != nil {
		t.Fatal(err)
	}
	if _, err := connectors.NewRegistry(append(all.Kinds(), all.Kinds()...)...); err == nil {
		t.Error("a kind registered twice must be an error")
	}
	var names []string
	for _, k := range all.Registry().Kinds() {
		names = append(names, k.Name)
	}
	if strings.Join(names, ",") != "filedrop,httppoll,mqtt,simulate,sqlpoll,webhook" {
		t.Errorf("kinds = %v", names)
	}
}

func TestEventIDIsDeterministic(t *testing.T) {
	a := connectors.EventID("/civicbus/connectors/x", "k", 1)
	if a != connectors.EventID("/civicbus/connectors/x", "k", 1) {
		t.Fatal("same inputs, different ids")
	}
	for _, other := range []string{
		connectors.EventID("/civicbus/connectors/y", "k", 1),
		connectors.EventID("/civicbus/connectors/x", "k2", 1),
		connectors.EventID("/civicbus/connectors/x", "k", 2),
	} {
		if other == a {
			t.Errorf("different inputs share id %s", a)
		}
	}
	if len(a) != 36 || a[14] != '5' {
		t.Errorf("%s is not a UUIDv5", a)
	}
}
