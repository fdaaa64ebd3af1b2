package portal

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// paramError is an invalid parameter of a CKAN action: the API answers it
// with 400 and CKAN's validation-error JSON, naming the parameter.
type paramError struct {
	Field string
	Msg   string
}

func (e *paramError) Error() string { return e.Field + ": " + e.Msg }

func badParam(field, format string, args ...any) *paramError {
	return &paramError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// sortKey is one key of a sort parameter such as "name asc, metadata_modified desc".
type sortKey struct {
	Field string
	Desc  bool
}

// fqTerm is one field:value term of package_search's fq.
type fqTerm struct {
	Field, Value string
}

// searchQuery is package_search's parameters.
type searchQuery struct {
	Q           string
	FQ          []fqTerm
	Rows, Start int
	Sort        []sortKey
	FacetFields []string
}

// The fields package_search can filter, facet and sort by.
var (
	fqFields    = map[string]bool{"id": true, "name": true, "tags": true, "license_id": true, "organization": true, "res_format": true, "groups": true}
	facetFields = map[string]bool{"tags": true, "license_id": true, "organization": true, "res_format": true, "groups": true}
	sortFields  = map[string]bool{"score": true, "name": true, "title_string": true, "metadata_modified": true, "metadata_created": true}
)

const (
	defaultRows = 10
	maxRows     = 1000
	defaultSort = "score desc, metadata_modified desc"
)

// parseSearch reads package_search's parameters: q (words that must all
// occur), fq (field:value or field:"value" terms that must all hold), rows
// (0 to 1000, default 10), start, sort, and facet.field (a JSON list).
func parseSearch(v url.Values) (searchQuery, error) {
	q := searchQuery{Q: strings.TrimSpace(v.Get("q"))}
	if q.Q == "*:*" {
		q.Q = ""
	}
	var err error
	if q.FQ, err = parseFQ(v.Get("fq")); err != nil {
		return q, err
	}
	if q.Rows, err = natural(v, "rows", defaultRows, maxRows); err != nil {
		return q, err
	}
	if q.Start, err = natural(v, "start", 0, -1); err != nil {
		return q, err
	}
	if q.Sort, err = parseSort(v, "sort", defaultSort, sortFields); err != nil {
		return q, err
	}
	if f := v.Get("facet.field"); f != "" {
		if json.Unmarshal([]byte(f), &q.FacetFields) != nil {
			return q, badParam("facet.field", "must be a JSON list of field names")
		}
		for _, name := range q.FacetFields {
			if !facetFields[name] {
				return q, badParam("facet.field", "cannot facet by that field")
			}
		}
	}
	return q, nil
}

// parseFQ reads space-separated field:value terms; a value may be quoted.
func parseFQ(fq string) ([]fqTerm, error) {
	var out []fqTerm
	rest := strings.TrimSpace(fq)
	for rest != "" {
		field, after, ok := strings.Cut(rest, ":")
		if !ok || !fqFields[field] {
			return nil, badParam("fq", "must be field:value terms over id, name, tags, license_id, organization, res_format or groups")
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				return nil, badParam("fq", "a quoted value is not closed")
			}
			value, rest = after[1:end+1], after[end+2:]
		} else {
			value, rest, _ = strings.Cut(after, " ")
		}
		if value == "" {
			return nil, badParam("fq", "a term has no value")
		}
		out = append(out, fqTerm{Field: field, Value: value})
		rest = strings.TrimSpace(rest)
	}
	return out, nil
}

// natural reads a whole number from 0 to most (no bound when most < 0).
func natural(v url.Values, name string, def, most int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badParam(name, "must be a natural number")
	}
	if most >= 0 && n > most {
		return 0, badParam(name, "must be at most %d", most)
	}
	return n, nil
}

// parseSort reads "field [asc|desc], …"; allowed nil takes any field.
func parseSort(v url.Values, name, def string, allowed map[string]bool) ([]sortKey, error) {
	s := v.Get(name)
	if strings.TrimSpace(s) == "" {
		s = def
	}
	var out []sortKey
	for part := range strings.SplitSeq(s, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 || (allowed != nil && !allowed[words[0]]) {
			return nil, badParam(name, "must be field names, each with asc or desc")
		}
		k := sortKey{Field: words[0]}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.Desc = true
			default:
				return nil, badParam(name, "the direction must be asc or desc")
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// datastoreQuery is datastore_search's parameters.
type datastoreQuery struct {
	ResourceID    string
	Filters       map[string][]string
	Q             string
	Limit, Offset int
	Sort          []sortKey
	Fields        []string
}

const (
	defaultLimit = 100
	maxLimit     = 32000
)

// parseDatastore reads datastore_search's parameters: resource_id
// (required), filters (a JSON object of column to value or list of values),
// q (text every matching row contains), limit (0 to 32000, default 100),
// offset, sort and fields (comma-separated columns). Column names are
// checked against the version's columns later.
func parseDatastore(v url.Values) (datastoreQuery, error) {
	q := datastoreQuery{ResourceID: strings.TrimSpace(v.Get("resource_id")), Q: v.Get("q")}
	if q.ResourceID == "" {
		return q, badParam("resource_id", "Missing value")
	}
	var err error
	if q.Filters, err = parseFilters(v.Get("filters")); err != nil {
		return q, err
	}
	if q.Limit, err = natural(v, "limit", defaultLimit, maxLimit); err != nil {
		return q, err
	}
	if q.Offset, err = natural(v, "offset", 0, -1); err != nil {
		return q, err
	}
	if v.Get("sort") != "" {
		if q.Sort, err = parseSort(v, "sort", "", nil); err != nil {
			return q, err
		}
	}
	if f := v.Get("fields"); f != "" {
		for name := range strings.SplitSeq(f, ",") {
			if name = strings.TrimSpace(name); name == "" {
				return q, badParam("fields", "an empty field name")
			}
			q.Fields = append(q.Fields, strings.TrimSpace(name))
		}
	}
	return q, nil
}

// parseFilters reads {"column": value or [values]}; values match as text.
func parseFilters(s string) (map[string][]string, error) {
	if s == "" {
		return nil, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, badParam("filters", "must be a JSON object")
	}
	out := make(map[string][]string, len(raw))
	for col, v := range raw {
		vals, ok := v.([]any)
		if !ok {
			vals = []any{v}
		}
		for _, x := range vals {
			text, ok := filterText(x)
			if !ok {
				return nil, badParam("filters", "values must be strings, numbers, booleans or null")
			}
			out[col] = append(out[col], text)
		}
	}
	return out, nil
}

// filterText is a filter value as the CSV field it matches.
func filterText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool, float64:
		b, _ := json.Marshal(x)
		return string(b), true
	}
	return "", false
}
