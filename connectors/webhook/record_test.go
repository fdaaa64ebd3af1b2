package webhook

import (
	"strings"
	"testing"
)

// TestRecordKeys: the key a record gets (used for its event id when the
// event has no key properties) and its position (the dead letter's id),
// which never holds the key in clear.
func TestRecordKeys(t *testing.T) {
	s := &Source{path: PathPrefix + "hook", cfg: Config{KeyField: "id"}}
	raw := []byte(`{"id":"19121212-1212","v":1}`)
	for _, c := range []struct {
		name, header string
		line         int
		want         string
	}{
		{"header", "abc-1", 0, "abc-1"},
		{"header, NDJSON line", "abc-1", 3, "abc-1\x1fline=3"},
		{"field", "", 0, "19121212-1212"},
	} {
		rec := s.record(raw, c.line, c.header)
		if rec.Key != c.want {
			t.Errorf("%s: key %q, want %q", c.name, rec.Key, c.want)
		}
		if strings.Contains(rec.Position, "1212") || len(rec.Position) != 64 {
			t.Errorf("%s: position %q is not a hash", c.name, rec.Position)
		}
	}
	s.cfg.KeyField = ""
	a, b := s.record(raw, 0, ""), s.record([]byte(`{"id":"x"}`), 0, "")
	if !strings.HasPrefix(a.Key, "sha256:") || a.Key == b.Key || a.Position == b.Position {
		t.Errorf("body keys %q %q, positions %q %q; want distinct hashes", a.Key, b.Key, a.Position, b.Position)
	}
	if again := s.record(raw, 0, ""); again.Key != a.Key || again.Position != a.Position {
		t.Error("the same body got another key or position")
	}
	if bad := s.record([]byte(`[1,2]`), 0, ""); bad.Err == nil || bad.Key == "" {
		t.Errorf("an array: err %v key %q; want an error and a key", bad.Err, bad.Key)
	}
}
