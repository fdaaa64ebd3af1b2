package portal

import (
	"bytes"
	"testing"
)

// FuzzSplitRow: splitRow gives the values encoding/json gives for every
// row encoding/json reads.
func FuzzSplitRow(f *testing.F) {
	for _, s := range []string{`[]`, `["a",1,null]`, `["a,b","c\\"d",[1,[2]],{"k":"]"}]`, `[ 1 , 2 ]`, `[1,]`, `["\\\\",true]`, `["x]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		want, err := decodeRow(js)
		if err != nil || want == nil {
			return
		}
		got, err := splitRow(js)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %d values, %v; want %d", js, len(got), err, len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: value %d is %s, want %s", js, i, got[i], want[i])
			}
		}
	})
}
