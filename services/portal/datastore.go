package portal

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// datastoreSearch is CKAN's datastore_search over the latest version of
// the dataset a resource belongs to (resource_id may also be the dataset's
// UUID or name). Without filters, q or sort it pages by row number; with
// them it reads the version through, and with sort it holds the matching
// rows in memory.
func (s *Service) datastoreSearch(r *http.Request, p url.Values) (any, error) {
	q, err := parseDatastore(p)
	if err != nil {
		return nil, err
	}
	d, err := s.resource(r, q.ResourceID)
	if err != nil {
		return nil, err
	}
	v := d.Latest
	index := map[string]int{}
	for i, c := range v.Columns {
		index[c] = i
	}
	if err := checkColumns(index, q); err != nil {
		return nil, err
	}
	fields := q.Fields
	if fields == nil {
		fields = v.Columns
	}
	var records []json.RawMessage
	record := recordWriter(fields, index)
	total := v.RowCount
	if len(q.Filters) == 0 && q.Q == "" && len(q.Sort) == 0 {
		if q.Limit > 0 {
			err = s.store.Rows(r.Context(), v.DatasetID, v.Version, int64(q.Offset), q.Limit, func(no int64, row Row) error {
				records = append(records, record(no, row))
				return nil
			})
		}
	} else {
		records, total, err = s.scan(r, v, q, index, record)
	}
	if err != nil {
		return nil, err
	}
	if records == nil {
		records = []json.RawMessage{}
	}
	return rawObject("_links", map[string]string{"start": datastoreLink(p, -1), "next": datastoreLink(p, q.Offset+q.Limit)},
		"fields", s.datastoreFields(d, fields), "include_total", true, "limit", q.Limit, "offset", q.Offset,
		"records", rawArray(records), "records_format", "objects", "resource_id", q.ResourceID, "total", total)
}

// resource finds the dataset of a resource id, or of a dataset id or name.
func (s *Service) resource(r *http.Request, id string) (Dataset, error) {
	x, err := s.index(r.Context())
	if err != nil {
		return Dataset{}, err
	}
	d, ok := x.lookup(id)
	if !ok {
		return Dataset{}, ErrNotFound
	}
	return d, nil
}

// recordWriter returns a function that writes a row, numbered, as a
// datastore record: a JSON object of "_id" and then the fields, in order.
func recordWriter(fields []string, index map[string]int) func(no int64, row Row) json.RawMessage {
	var keys []string
	var cols []int
	for _, f := range fields {
		if f != "_id" {
			keys = append(keys, f)
			cols = append(cols, index[f])
		}
	}
	jsonKeys := objectKeys(keys)
	return func(no int64, row Row) json.RawMessage {
		b := strconv.AppendInt(append(make([]byte, 0, 128), `{"_id":`...), no, 10)
		for j, k := range jsonKeys {
			b = append(append(append(b, ','), k...), ':')
			if v := row[cols[j]]; len(v) > 0 {
				b = append(b, v...)
			} else {
				b = append(b, "null"...)
			}
		}
		return append(b, '}')
	}
}

// checkColumns names the first parameter that asks for a column the
// version does not have.
func checkColumns(index map[string]int, q datastoreQuery) error {
	for col := range q.Filters {
		if _, ok := index[col]; !ok {
			return badParam("filters", "no such field")
		}
	}
	for _, k := range q.Sort {
		if _, ok := index[k.Field]; !ok && k.Field != "_id" {
			return badParam("sort", "no such field")
		}
	}
	for _, f := range q.Fields {
		if _, ok := index[f]; !ok && f != "_id" {
			return badParam("fields", "no such field")
		}
	}
	return nil
}

type numberedRow struct {
	no  int64
	row Row
}

// scan reads the version through, keeping the rows that pass the filters
// and q, sorted when asked, and returns the page and the total.
func (s *Service) scan(r *http.Request, v Version, q datastoreQuery, index map[string]int,
	record func(int64, Row) json.RawMessage) ([]json.RawMessage, int64, error) {
	var page []json.RawMessage
	var kept []numberedRow
	var total int64
	needle := strings.ToLower(q.Q)
	err := s.store.Rows(r.Context(), v.DatasetID, v.Version, 0, 0, func(no int64, row Row) error {
		if !rowMatches(row, index, q.Filters, needle) {
			return nil
		}
		total++
		switch {
		case len(q.Sort) > 0:
			kept = append(kept, numberedRow{no, row})
		case total > int64(q.Offset) && len(page) < q.Limit:
			page = append(page, record(no, row))
		}
		return nil
	})
	if err != nil || len(q.Sort) == 0 {
		return page, total, err
	}
	slices.SortStableFunc(kept, func(a, b numberedRow) int {
		for _, k := range q.Sort {
			var c int
			if k.Field == "_id" {
				c = cmp.Compare(a.no, b.no)
			} else {
				c = compareValues(a.row[index[k.Field]], b.row[index[k.Field]])
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	for i := q.Offset; i < len(kept) && len(page) < q.Limit; i++ {
		page = append(page, record(kept[i].no, kept[i].row))
	}
	return page, total, nil
}

// rowMatches holds when every filtered column has one of its values and,
// when needle is set, some value contains it (case-insensitive).
func rowMatches(row Row, index map[string]int, filters map[string][]string, needle string) bool {
	for col, vals := range filters {
		if !slices.Contains(vals, cellText(row[index[col]], false)) {
			return false
		}
	}
	if needle == "" {
		return true
	}
	for _, v := range row {
		if strings.Contains(strings.ToLower(cellText(v, false)), needle) {
			return true
		}
	}
	return false
}

// compareValues orders JSON values: null first, numbers by value, the rest
// by their text.
func compareValues(a, b json.RawMessage) int {
	an, aok := number(a)
	bn, bok := number(b)
	if aok && bok {
		return cmp.Compare(an, bn)
	}
	if an, bn := isNull(a), isNull(b); an || bn {
		return cmp.Compare(nullRank(!an), nullRank(!bn))
	}
	return cmp.Compare(cellText(a, false), cellText(b, false))
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

func nullRank(notNull bool) int {
	if notNull {
		return 1
	}
	return 0
}

func number(v json.RawMessage) (float64, bool) {
	if len(v) == 0 || v[0] == '"' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// datastoreFields describes the fields as CKAN types them.
func (s *Service) datastoreFields(d Dataset, fields []string) []map[string]string {
	out := []map[string]string{{"id": "_id", "type": "int"}}
	for _, f := range fields {
		if f == "_id" {
			continue
		}
		c, _ := d.column(f)
		out = append(out, map[string]string{"id": f, "type": ckanType(c.Type)})
	}
	return out
}

// ckanType is a column type as a datastore type.
func ckanType(t string) string {
	switch t {
	case "integer":
		return "int"
	case "number":
		return "numeric"
	case "boolean":
		return "bool"
	case "date":
		return "date"
	}
	return "text"
}

// datastoreLink is the action's path with the request's parameters and the
// offset set (left out when offset < 0).
func datastoreLink(p url.Values, offset int) string {
	q := url.Values{}
	for k, v := range p {
		if k != "offset" {
			q[k] = v
		}
	}
	if offset >= 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return "/api/3/action/datastore_search?" + q.Encode()
}
