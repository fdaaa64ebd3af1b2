package portal

import (
	"slices"
	"testing"
)

// TestIndexMatches checks the memoised word matches against matchScore
// over every dataset, for one word, several, repeated and missing ones,
// and none; asking twice gives the same.
func TestIndexMatches(t *testing.T) {
	s := newSeeded(t)
	x, err := s.svc.index(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "väder", "VÄDER station", "a", "a a", "e dag", "snödjup matsvinn", "nothing", "<script>"} {
		words := searchWords(q)
		var want []wordHit
		for i := range x.datasets {
			if n := matchScore(x.text[i], words); n > 0 {
				want = append(want, wordHit{int32(i), int32(n)})
			}
		}
		for range 2 {
			if got := x.matches(words); !slices.Equal(got, want) {
				t.Errorf("matches(%q) = %v, matchScore says %v", q, got, want)
			}
		}
	}
}
