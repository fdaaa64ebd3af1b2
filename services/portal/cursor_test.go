package portal

import (
	"errors"
	"testing"
)

// FuzzCursor decodes any text as a cursor: only what the codec encoded
// decodes, as what was encoded; everything else is a *paramError naming
// "cursor" (and no panic).
func FuzzCursor(f *testing.F) {
	c := newCursorCodec([]byte("key"))
	valid := c.encode(cursor{Kind: "rows", Dataset: weatherDef.ID, Version: 2, Row: 100})
	for _, seed := range []string{valid, valid[:len(valid)-1], valid + "A", "." + valid, "e30.AAAAAAAAAAAAAAAAAAAAAA", "", "."} {
		f.Add(seed)
	}
	other := newCursorCodec([]byte("another key"))
	f.Fuzz(func(t *testing.T, s string) {
		cur, err := c.decode(s, "rows")
		var perr *paramError
		switch {
		case err == nil && c.encode(cur) != s:
			t.Fatalf("%q decodes to %+v, which encodes otherwise", s, cur)
		case err != nil && (!errors.As(err, &perr) || perr.Field != "cursor"):
			t.Fatalf("%q: %v", s, err)
		}
		if _, err := other.decode(s, "rows"); err == nil && s == valid {
			t.Fatalf("a cursor signed with another key decodes")
		}
	})
}
