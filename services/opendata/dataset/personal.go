package dataset

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/vasteras/civicbus/schemas"
)

// The personal-data check: a definition's classification of a field may not
// be weaker than what the source topic's event schema marks it with
// (x-personal-data, see schemas.PersonalDirect and the others). For each
// classified field of each catalog topic the dataset reads, every mark on
// the property or anywhere under it (nested objects, array items, $ref'd
// definitions) is a rule:
//
//   - direct: the field must be classified direct (so that only a
//     pseudonymised column or the key may read it);
//   - free-text: no expression may read the field at all (source.filter,
//     shape.key or a column, whatever its class): free text may hold
//     anything, names and personnummer included;
//   - quasi-identifier, pseudonymous (or any other mark): not public.
//
// A topic outside the catalog, or a field its schema does not list, is
// checked as before (by source.fields alone). Problems name the dataset, the
// field, the schema's mark and where it is (a JSON pointer such as
// /contact/email) and the definition's class; never a value.

// personalMark is one x-personal-data mark under a top-level field.
type personalMark struct {
	pointer string // JSON pointer from the event's root; "*" for any array item
	class   string
}

// topicSchemas maps each catalog topic to its parsed JSON Schema; built once.
var topicSchemas = sync.OnceValues(func() (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, e := range schemas.Events() {
		b, err := e.Schema()
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", e.Topic, err)
		}
		var root map[string]any
		if err := json.Unmarshal(b, &root); err != nil {
			return nil, fmt.Errorf("schema of %s: %w", e.Topic, err)
		}
		out[e.Topic] = root
	}
	return out, nil
})

// fieldMarks lists the x-personal-data marks of top-level field f of the
// schema root, on the property and under it; known is false when the
// schema does not list f.
func fieldMarks(root map[string]any, f string) (marks []personalMark, known bool) {
	props, _ := root["properties"].(map[string]any)
	node, ok := props[f].(map[string]any)
	if !ok {
		return nil, false
	}
	defs, _ := root["$defs"].(map[string]any)
	var walk func(n map[string]any, ptr string, seen map[string]bool)
	walk = func(n map[string]any, ptr string, seen map[string]bool) {
		if c := markClass(n); c != "" {
			marks = append(marks, personalMark{ptr, c})
		}
		if ref, _ := n["$ref"].(string); ref != "" {
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			if d, isMap := defs[name].(map[string]any); ok && isMap && !seen[name] {
				walk(d, ptr, withSeen(seen, name))
			}
		}
		if ps, ok := n["properties"].(map[string]any); ok {
			for _, k := range slices.Sorted(maps.Keys(ps)) {
				if c, ok := ps[k].(map[string]any); ok {
					walk(c, ptr+"/"+escapePointer(k), seen)
				}
			}
		}
		for _, key := range []string{"items", "additionalProperties", "contains"} {
			if c, ok := n[key].(map[string]any); ok {
				walk(c, ptr+"/*", seen)
			}
		}
		for _, key := range []string{"prefixItems", "allOf", "anyOf", "oneOf"} {
			list, _ := n[key].([]any)
			for _, x := range list {
				if c, ok := x.(map[string]any); ok {
					sub := ptr
					if key == "prefixItems" {
						sub += "/*"
					}
					walk(c, sub, seen)
				}
			}
		}
	}
	walk(node, "/"+escapePointer(f), map[string]bool{})
	return marks, true
}

func withSeen(seen map[string]bool, name string) map[string]bool {
	out := maps.Clone(seen)
	out[name] = true
	return out
}

// escapePointer escapes a property name for a JSON pointer (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// markClass is a node's x-personal-data class; true (personal data of no
// stated class) reads as "personal", "" when unmarked.
func markClass(n map[string]any) string {
	switch v := n["x-personal-data"].(type) {
	case string:
		return v
	case bool:
		if v {
			return "personal"
		}
	}
	return ""
}

// checkPersonal checks the classification of d's fields against the schemas
// of its catalog topics. readBy maps each field an expression reads to the
// path of the first expression reading it.
func checkPersonal(d *Definition, readBy map[string]string) Problems {
	cat, err := topicSchemas()
	if err != nil {
		// Fail closed: without the schemas nothing can be checked.
		return Problems{{Path: "source.topics", Msg: "cannot read the event schemas to check personal data: " + err.Error()}}
	}
	var ps Problems
	who := fmt.Sprintf("dataset %s (%s)", d.Name, d.ID)
	reported := map[string]bool{} // field and rule: one problem each
	once := func(f, rule string) bool {
		k := f + "\x00" + rule
		if reported[k] {
			return false
		}
		reported[k] = true
		return true
	}
	for _, topic := range d.Source.Topics {
		root, ok := cat[topic]
		if !ok {
			continue
		}
		for _, f := range d.Fields() {
			class := d.Source.Fields[f]
			marks, known := fieldMarks(root, f)
			if !known {
				continue
			}
			for _, m := range marks {
				path := "source.fields." + f
				switch {
				case m.class == schemas.PersonalFreeText:
					if at, read := readBy[f]; read && once(f, m.class) {
						ps = append(ps, Problem{Path: at, Msg: fmt.Sprintf("%s reads field %q (classified %s), which the schema of %s marks free-text at %s: free text may hold anything, names and personnummer included, so no column, filter or key may read it, whatever its class", who, f, class, topic, m.pointer)})
					}
				case m.class == schemas.PersonalDirect:
					if class != ClassDirect && once(f, m.class) {
						ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf("%s classifies field %q as %s, but the schema of %s marks %s direct (a direct identifier): classify it direct, so that only a pseudonymised column or the key may read it", who, f, class, topic, m.pointer)})
					}
				default: // quasi-identifier, pseudonymous, or personal data of no stated class
					if class == ClassPublic && once(f, "not public") {
						ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf("%s classifies field %q as public, but the schema of %s marks %s %s (personal data): classify it quasi, sensitive or direct", who, f, topic, m.pointer, m.class)})
					}
				}
			}
		}
	}
	return ps
}
