package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/vasteras/civicbus/schemas"
)

// eventSchema is one catalog event type's JSON Schema, for checking the
// fields a rule reads.
type eventSchema struct {
	event schemas.Event
	root  map[string]any
}

// catalog maps every catalog topic to its schema; built once.
var catalog = sync.OnceValues(func() (map[string]*eventSchema, error) {
	out := map[string]*eventSchema{}
	for _, e := range schemas.Events() {
		b, err := e.Schema()
		if err != nil {
			return nil, err
		}
		s := &eventSchema{event: e}
		if err := json.Unmarshal(b, &s.root); err != nil {
			return nil, fmt.Errorf("rules: schema of %s: %w", e.Topic, err)
		}
		out[e.Topic] = s
	}
	return out, nil
})

// field finds a (possibly nested) property. personal is the
// x-personal-data class of the property or of an object holding it ("" when
// none). A problem is returned as a message naming the path.
func (s *eventSchema) field(path []string) (personal string, problem string) {
	node := s.root
	for i, name := range path {
		props, _ := s.deref(node)["properties"].(map[string]any)
		if props == nil {
			return "", fmt.Sprintf("field %q: %s is not an object in %s", strings.Join(path, "."), strings.Join(path[:i], "."), s.event.Topic)
		}
		next, ok := props[name].(map[string]any)
		if !ok {
			return "", fmt.Sprintf("field %q is not in the schema of %s", strings.Join(path, "."), s.event.Topic)
		}
		node = s.deref(next)
		if p := personalClass(next); p != "" && personal == "" {
			personal = p
		}
		if p := personalClass(node); p != "" && personal == "" {
			personal = p
		}
	}
	return personal, ""
}

// deref follows a local $ref into $defs.
func (s *eventSchema) deref(node map[string]any) map[string]any {
	ref, _ := node["$ref"].(string)
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return node
	}
	defs, _ := s.root["$defs"].(map[string]any)
	if d, ok := defs[name].(map[string]any); ok {
		return d
	}
	return node
}

func personalClass(node map[string]any) string {
	switch v := node["x-personal-data"].(type) {
	case string:
		return v
	case bool:
		if v {
			return "personal"
		}
	}
	return ""
}

// ref is the reference to a record of this event type, subject slash key
// (the catalog's key properties joined by ":"), or "" when the record lacks
// a key or the key does not fit a reference.
func (s *eventSchema) ref(record map[string]any) string {
	parts := make([]string, len(s.event.Key))
	for i, k := range s.event.Key {
		v, ok := record[k].(string)
		if !ok || v == "" {
			return ""
		}
		parts[i] = v
	}
	key := strings.Join(parts, ":")
	if len(s.event.Subject)+1+len(key) > 200 || strings.ContainsFunc(key, notRefKey) {
		return ""
	}
	return s.event.Subject + "/" + key
}

// notRefKey is true for a rune a reference's key may not hold (the
// pattern of DecisionInput.ref: A-Za-z0-9._:-).
func notRefKey(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != ':' && r != '-'
}
