package portal

import (
	"cmp"
	"net/url"
	"slices"
)

// The catalog page's facets: each narrows the search to the datasets with
// a value, ?theme=ENVI&org=…; several values of one facet, or of several,
// must all hold. Their counts are over the datasets the page shows.

// catalogFacet is a facet's query parameter and its text key.
type catalogFacet struct{ param, key string }

var catalogFacets = []catalogFacet{
	{"theme", "themes"}, {"format", "format"}, {"frequency", "frequency"}, {"keyword", "keywords"}, {"org", "publisher"},
}

// maxFacetValues is how many values of a facet the page lists (the most
// common; chosen ones always).
const maxFacetValues = 12

// facetValues are a dataset's values of a catalog facet, in lang.
func facetValues(d Dataset, param, lang string) []string {
	switch param {
	case "theme":
		return d.Themes
	case "format":
		return []string{"CSV", "JSON", "NDJSON", "Parquet"}
	case "frequency":
		if d.UpdateFrequency == "" {
			return nil
		}
		return []string{d.UpdateFrequency}
	case "keyword":
		return d.Keywords.In(lang)
	case "org":
		return []string{d.publisher().Name}
	}
	return nil
}

// facetView is a facet as the page lists it.
type facetView struct {
	Param, Title string
	Values       []facetValueView
}

type facetValueView struct {
	Name   string // as shown
	Count  int
	Chosen bool
	Link   string // the page with this value toggled
}

// filterDatasets keeps the datasets that have every chosen facet value.
func filterDatasets(ds []Dataset, chosen url.Values, lang string) []Dataset {
	var out []Dataset
next:
	for _, d := range ds {
		for _, f := range catalogFacets {
			for _, want := range chosen[f.param] {
				if !slices.Contains(facetValues(d, f.param, lang), want) {
					continue next
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// facetViews counts each facet's values over ds, for the page p with query
// query (whose chosen values are listed first, then the most common).
func facetViews(p page, ds []Dataset, query url.Values) []facetView {
	var out []facetView
	for _, f := range catalogFacets {
		counts := map[string]int{}
		for _, d := range ds {
			for _, v := range facetValues(d, f.param, p.Lang) {
				counts[v]++
			}
		}
		for _, v := range query[f.param] {
			if _, ok := counts[v]; !ok {
				counts[v] = 0
			}
		}
		fv := facetView{Param: f.param, Title: p.T(f.key)}
		for v, n := range counts {
			chosen := slices.Contains(query[f.param], v)
			name := v
			switch f.param {
			case "theme":
				name = p.Theme(v)
			case "frequency":
				name = p.Frequency(v)
			}
			fv.Values = append(fv.Values, facetValueView{Name: name, Count: n, Chosen: chosen, Link: toggled(query, f.param, v)})
		}
		slices.SortFunc(fv.Values, func(a, b facetValueView) int {
			if a.Chosen != b.Chosen {
				if a.Chosen {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
		})
		if len(fv.Values) > maxFacetValues {
			keep := fv.Values[:maxFacetValues]
			for _, v := range fv.Values[maxFacetValues:] {
				if v.Chosen {
					keep = append(keep, v)
				}
			}
			fv.Values = keep
		}
		if len(fv.Values) > 0 {
			out = append(out, fv)
		}
	}
	return out
}

// toggled is the catalog's link with value v of param added to query, or
// taken away when it is there.
func toggled(query url.Values, param, v string) string {
	q := url.Values{}
	for k, vs := range query {
		q[k] = slices.Clone(vs)
	}
	if i := slices.Index(q[param], v); i >= 0 {
		q[param] = slices.Delete(q[param], i, i+1)
	} else {
		q[param] = append(q[param], v)
	}
	if len(q[param]) == 0 {
		delete(q, param)
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}
