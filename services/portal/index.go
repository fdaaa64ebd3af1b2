package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// index is the catalog held in memory: every dataset with its latest
// version, parsed once, with each dataset's lowercase search text and
// search-field values worked out ahead and its ids, name and resource ids
// looked up by key. It is read-only once built; the Service builds a new
// one after the Store adds a version.
type index struct {
	// gen is the Store's generation the index was read at.
	gen uint64
	// datasets are by name; callers must not change them.
	datasets []Dataset
	// text is datasets[i]'s lowercase search text (see searchText).
	text []string
	// fields is datasets[i]'s values of each CKAN search field.
	fields []map[string][]string
	// pkg is datasets[i] as CKAN's package dictionary, in JSON.
	pkg []json.RawMessage
	// byKey is the position of a dataset by its id, name or resource id.
	byKey map[string]int
	// facetNames are each search field's distinct values, and facetIDs
	// datasets[i]'s values of it as positions in facetNames: facets are
	// counted in slices, not maps.
	facetNames map[string][]string
	facetIDs   map[string][][]int32
	// words memoises wordHits (at most maxMemoWords words per index).
	words     sync.Map
	wordCount atomic.Int32
}

// maxMemoWords is how many search words an index remembers the matches of.
const maxMemoWords = 4096

// wordHit is a dataset (by position) whose search text holds a word, and
// how many times.
type wordHit struct{ i, n int32 }

// wordHits are the datasets whose search text holds w, with how often, in
// catalog order. The index never changes, so they are worked out once per
// word; callers must not change them.
func (x *index) wordHits(w string) []wordHit {
	if v, ok := x.words.Load(w); ok {
		return v.([]wordHit)
	}
	var hits []wordHit
	for i, t := range x.text {
		if n := strings.Count(t, w); n > 0 {
			hits = append(hits, wordHit{int32(i), int32(n)})
		}
	}
	if x.wordCount.Add(1) <= maxMemoWords {
		x.words.Store(w, hits)
	}
	return hits
}

// matches are the datasets whose search text holds every word (see
// searchWords), in catalog order, each with its matchScore; without words,
// every dataset, scoring 1. Callers must not change them.
func (x *index) matches(words []string) []wordHit {
	if len(words) == 0 {
		all := make([]wordHit, len(x.datasets))
		for i := range all {
			all[i] = wordHit{int32(i), 1}
		}
		return all
	}
	hits := x.wordHits(words[0])
	for _, w := range words[1:] {
		other := x.wordHits(w)
		both := make([]wordHit, 0, min(len(hits), len(other)))
		j := 0
		for _, h := range hits {
			for j < len(other) && other[j].i < h.i {
				j++
			}
			if j < len(other) && other[j].i == h.i {
				both = append(both, wordHit{h.i, h.n + other[j].n})
			}
		}
		hits = both
	}
	return hits
}

// searchFieldNames are the fields package_search filters and facets by.
var searchFieldNames = []string{"id", "name", "tags", "license_id", "organization", "res_format", "groups"}

func (s *Service) newIndex(gen uint64, ds []Dataset) (*index, error) {
	x := &index{gen: gen, datasets: ds, text: make([]string, len(ds)), fields: make([]map[string][]string, len(ds)),
		pkg: make([]json.RawMessage, len(ds)), byKey: make(map[string]int, len(ds)*(2+len(resourceFormats)))}
	for i, d := range ds {
		var err error
		if x.pkg[i], err = json.Marshal(s.ckanPackage(d)); err != nil {
			return nil, fmt.Errorf("portal: dataset %s as a CKAN package: %w", d.ID, err)
		}
		x.text[i] = searchText(d)
		x.fields[i] = make(map[string][]string, len(searchFieldNames))
		for _, f := range searchFieldNames {
			x.fields[i][f] = s.fieldValues(d, f)
		}
		x.byKey[d.Name] = i
		for _, f := range resourceFormats {
			x.byKey[resourceID(d.ID, f.format)] = i
		}
	}
	for i, d := range ds {
		x.byKey[d.ID] = i // an id wins over a name that looks like one
	}
	x.facetNames, x.facetIDs = map[string][]string{}, map[string][][]int32{}
	for _, f := range searchFieldNames {
		pos := map[string]int32{}
		ids := make([][]int32, len(ds))
		for i := range ds {
			for _, v := range x.fields[i][f] {
				p, ok := pos[v]
				if !ok {
					p = int32(len(x.facetNames[f]))
					pos[v] = p
					x.facetNames[f] = append(x.facetNames[f], v)
				}
				ids[i] = append(ids[i], p)
			}
		}
		x.facetIDs[f] = ids
	}
	return x, nil
}

// lookup finds a dataset by its id, name or resource id.
func (x *index) lookup(key string) (Dataset, bool) {
	i, ok := x.byKey[key]
	if !ok {
		return Dataset{}, false
	}
	return x.datasets[i], true
}

// catalogIndex keeps the Service's index fresh: it rebuilds it from the
// Store when the Store has added a version since it was built.
type catalogIndex struct {
	cur atomic.Pointer[index]
	mu  sync.Mutex // held while rebuilding, so one request rebuilds
}

// index returns the catalog as of the Store's latest version, reading it
// from the Store only when it changed since the last read.
func (s *Service) index(ctx context.Context) (*index, error) {
	gen := s.store.generation()
	if x := s.idx.cur.Load(); x != nil && x.gen == gen {
		return x, nil
	}
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	if x := s.idx.cur.Load(); x != nil && x.gen == gen {
		return x, nil
	}
	gen = s.store.generation() // read before the datasets: a later add rebuilds again
	ds, err := s.store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	x, err := s.newIndex(gen, ds)
	if err != nil {
		return nil, err
	}
	s.idx.cur.Store(x)
	return x, nil
}

// datasets lists every dataset with its latest version, by name, from the
// in-memory catalog; callers must not change them.
func (s *Service) datasets(ctx context.Context) ([]Dataset, error) {
	x, err := s.index(ctx)
	if err != nil {
		return nil, err
	}
	return x.datasets, nil
}

// dataset finds a dataset by its UUID or name in the in-memory catalog;
// ErrNotFound when there is none.
func (s *Service) dataset(ctx context.Context, idOrName string) (Dataset, error) {
	x, err := s.index(ctx)
	if err != nil {
		return Dataset{}, err
	}
	i, ok := x.position(idOrName)
	if !ok {
		return Dataset{}, ErrNotFound
	}
	return x.datasets[i], nil
}

// position is where the dataset with this UUID or name is.
func (x *index) position(idOrName string) (int, bool) {
	i, ok := x.byKey[idOrName]
	return i, ok && (x.datasets[i].ID == idOrName || x.datasets[i].Name == idOrName)
}

// searchText is a dataset's texts that q searches, lowercase.
func searchText(d Dataset) string {
	return strings.ToLower(strings.Join(append(append([]string{d.Name, d.Title.SV, d.Title.EN, d.Description.SV, d.Description.EN},
		d.Keywords.SV...), d.Keywords.EN...), "\n"))
}
