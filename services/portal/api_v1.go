package portal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The v1 API's page sizes.
const (
	v1DefaultLimit = 100
	v1MaxLimit     = 1000
)

// v1Handlers are the v1 API's handlers by path, all GET (and HEAD); the
// OpenAPI document describes each path.
func (a *api) v1Handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/api/v1/datasets":           a.listDatasets,
		"/api/v1/datasets/{id}":      a.showDataset,
		"/api/v1/datasets/{id}/rows": a.listRows,
	}
}

// writeV1 answers with a JSON body.
func writeV1(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// v1Error is the v1 API's error body.
type v1Error struct {
	Error struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		Parameter string `json:"parameter,omitempty"`
		Message   string `json:"message"`
	} `json:"error"`
}

func newV1Error(status int, code, param, msg string) v1Error {
	var e v1Error
	e.Error.Status, e.Error.Code, e.Error.Parameter, e.Error.Message = status, code, param, msg
	return e
}

// writeV1Error answers a *paramError with 400, ErrNotFound with 404 and
// anything else with 500, as a v1Error that never quotes a value.
func writeV1Error(w http.ResponseWriter, err error) {
	var perr *paramError
	switch {
	case errors.As(err, &perr):
		writeV1(w, http.StatusBadRequest, newV1Error(http.StatusBadRequest, "invalid_parameter", perr.Field, perr.Msg))
	case errors.Is(err, ErrNotFound):
		writeV1(w, http.StatusNotFound, newV1Error(http.StatusNotFound, "not_found", "", "no such dataset or version"))
	default:
		writeV1(w, http.StatusInternalServerError, newV1Error(http.StatusInternalServerError, "internal", "", "internal error"))
	}
}

// fail logs an unexpected error (not its request's values) and answers it.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var perr *paramError
	if !errors.As(err, &perr) && !errors.Is(err, ErrNotFound) {
		a.s.cfg.Logger.Error("api request", "route", r.Pattern, "err", err)
	}
	writeV1Error(w, err)
}

// notFound answers a path under /api/v1/ that no route serves.
func (a *api) notFound(w http.ResponseWriter, _ *http.Request) {
	writeV1(w, http.StatusNotFound, newV1Error(http.StatusNotFound, "not_found", "", "no such endpoint; see /api/openapi.json"))
}

// parseLimit reads limit: 1 to v1MaxLimit, default v1DefaultLimit.
func parseLimit(p url.Values) (int, error) {
	s := p.Get("limit")
	if s == "" {
		return v1DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > v1MaxLimit {
		return 0, badParam("limit", "must be a whole number from 1 to %d", v1MaxLimit)
	}
	return n, nil
}

// checkParams rejects a parameter outside allowed and repeated ones.
func checkParams(p url.Values, allowed ...string) error {
	for k, vs := range p {
		if !slices.Contains(allowed, k) {
			return badParam("query", "unknown parameter; this endpoint takes %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return badParam(k, "given more than once")
		}
	}
	return nil
}

// datasetsPage is GET /api/v1/datasets's parameters.
type datasetsPage struct {
	After string // the last name already listed
	Limit int
	Q     string
}

func parseDatasetsPage(p url.Values, c cursorCodec) (datasetsPage, error) {
	if err := checkParams(p, "cursor", "limit", "q"); err != nil {
		return datasetsPage{}, err
	}
	limit, err := parseLimit(p)
	if err != nil {
		return datasetsPage{}, err
	}
	q := datasetsPage{Limit: limit, Q: p.Get("q")}
	if s := p.Get("cursor"); s != "" {
		cur, err := c.decode(s, "datasets")
		if err != nil {
			return datasetsPage{}, err
		}
		q.After = cur.Name
	}
	return q, nil
}

// listDatasets serves GET /api/v1/datasets: the datasets by name, those
// matching q (words, all of which occur in a dataset's texts) when given.
func (a *api) listDatasets(w http.ResponseWriter, r *http.Request) {
	q, err := parseDatasetsPage(r.URL.Query(), a.cursors)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	x, err := a.s.index(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	data := []v1Dataset{}
	more := false
	words := searchWords(q.Q)
	for i, d := range x.datasets {
		if d.Name <= q.After || matchScore(x.text[i], words) == 0 {
			continue
		}
		if len(data) == q.Limit {
			more = true
			break
		}
		data = append(data, a.dataset(d, nil))
	}
	page := v1Page{Data: data}
	if more {
		page.setNext(r, a.cursors.encode(cursor{Kind: "datasets", Name: data[len(data)-1].Name}))
	}
	writeV1(w, http.StatusOK, page)
}

// v1Page is a page of a list: its items and, when more follow, the cursor
// of the next page and its URL.
type v1Page struct {
	Data       any    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
	Next       string `json:"next,omitempty"`
}

// setNext sets the next page: the request's URL with cursor set.
func (p *v1Page) setNext(r *http.Request, cur string) {
	q := r.URL.Query()
	q.Set("cursor", cur)
	p.NextCursor, p.Next = cur, r.URL.Path+"?"+q.Encode()
}

// v1Dataset is a dataset in the v1 API.
type v1Dataset struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Title           Text              `json:"title"`
	Description     Text              `json:"description"`
	Keywords        Keywords          `json:"keywords"`
	Themes          []string          `json:"themes"`
	Publisher       Org               `json:"publisher"`
	Licence         string            `json:"licence"`
	UpdateFrequency string            `json:"update_frequency"`
	LatestVersion   int               `json:"latest_version"`
	Modified        string            `json:"modified"`
	Issued          string            `json:"issued"`
	RowCount        int64             `json:"row_count"`
	Columns         []Column          `json:"columns"`
	Versions        []versionEvent    `json:"versions,omitempty"`
	Links           map[string]string `json:"links"`
}

// dataset is d as the v1 API shows it, with versions when given.
func (a *api) dataset(d Dataset, versions []Version) v1Dataset {
	cols := []Column{}
	for _, c := range d.Latest.Columns {
		col, _ := d.column(c)
		col.Name = c
		cols = append(cols, col)
	}
	base := a.s.cfg.BaseURL
	out := v1Dataset{ID: d.ID, Name: d.Name, Title: d.Title, Description: d.Description, Keywords: d.Keywords,
		Themes: nonNil(d.Themes), Publisher: d.publisher(), Licence: d.Licence, UpdateFrequency: d.UpdateFrequency,
		LatestVersion: d.Latest.Version, Modified: d.Latest.PublishedAt.UTC().Format(timeFormat),
		Issued: d.FirstPublished.UTC().Format(timeFormat), RowCount: d.Latest.RowCount, Columns: cols,
		Links: map[string]string{
			"self": base + "/api/v1/datasets/" + d.ID, "rows": base + "/api/v1/datasets/" + d.ID + "/rows",
			"page": base + "/datasets/" + d.Name, "csv": base + "/datasets/" + d.Name + "/latest.csv",
			"parquet":   base + "/datasets/" + d.Name + "/latest.parquet",
			"feed_atom": base + "/datasets/" + d.ID + "/feed.atom", "events": base + "/datasets/" + d.ID + "/events",
			"privacy_report": a.s.versionURL(d.ID, d.Latest.Version) + "/privacy-report.json",
		}}
	for _, v := range versions {
		out.Versions = append(out.Versions, a.s.versionEvent(d, v))
	}
	return out
}

// timeFormat is the v1 API's timestamps' format (RFC 3339, UTC).
const timeFormat = "2006-01-02T15:04:05Z07:00"

// showDataset serves GET /api/v1/datasets/{id}: the dataset with its
// versions, newest first.
func (a *api) showDataset(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query()); err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vs, err := a.s.store.Versions(r.Context(), d.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeV1(w, http.StatusOK, a.dataset(d, vs))
}

// rowsPage is the position part of GET /api/v1/datasets/{id}/rows's
// parameters: which version, after which row, how many rows.
type rowsPage struct {
	Version int // 0: the latest
	After   int64
	Limit   int
}

// The rows endpoint's own parameters; any other parameter filters a column.
var rowsParams = []string{"cursor", "limit", "fields", "version"}

// parseRowsPage reads the position of a rows request for the dataset
// datasetID. A cursor carries the version; a version parameter beside it
// must agree.
func parseRowsPage(p url.Values, c cursorCodec, datasetID string) (rowsPage, error) {
	limit, err := parseLimit(p)
	if err != nil {
		return rowsPage{}, err
	}
	q := rowsPage{Limit: limit}
	if s := p.Get("version"); s != "" {
		if q.Version, err = strconv.Atoi(s); err != nil || q.Version < 1 {
			return rowsPage{}, badParam("version", "must be a version number (1 or more)")
		}
	}
	if s := p.Get("cursor"); s != "" {
		cur, err := c.decode(s, "rows")
		if err != nil {
			return rowsPage{}, err
		}
		if cur.Dataset != datasetID || q.Version != 0 && q.Version != cur.Version {
			return rowsPage{}, badParam("cursor", "belongs to another dataset or version")
		}
		q.Version, q.After = cur.Version, cur.Row
	}
	return q, nil
}

// rowsSelection is what a rows request keeps of each row: the rows whose
// columns hold one of the filtered values (all filters must hold), and of
// them the fields (every column when nil).
type rowsSelection struct {
	Fields  []string
	Filters map[string][]string
}

// parseSelection reads fields and the column filters against cols, the
// version's columns. A parameter that is neither the endpoint's own nor a
// column is an error, named without its text.
func parseSelection(p url.Values, cols []string) (rowsSelection, error) {
	var sel rowsSelection
	for k, vs := range p {
		switch {
		case slices.Contains(rowsParams, k):
			if len(vs) > 1 {
				return sel, badParam(k, "given more than once")
			}
		case slices.Contains(cols, k):
			if sel.Filters == nil {
				sel.Filters = map[string][]string{}
			}
			sel.Filters[k] = vs
		default:
			return sel, badParam("query", "a parameter is neither a column of the version nor one of %s", strings.Join(rowsParams, ", "))
		}
	}
	if s, ok := p["fields"]; ok {
		sel.Fields = []string{}
		for f := range strings.SplitSeq(s[0], ",") {
			f = strings.TrimSpace(f)
			if !slices.Contains(cols, f) {
				return sel, badParam("fields", "names a column the version does not have; its columns are %s", strings.Join(cols, ", "))
			}
			if !slices.Contains(sel.Fields, f) {
				sel.Fields = append(sel.Fields, f)
			}
		}
	}
	return sel, nil
}

// errPageFull stops a row scan when the page has its rows and one more.
var errPageFull = errors.New("page full")

// listRows serves GET /api/v1/datasets/{id}/rows: a page of a version's
// rows (the latest version unless version or the cursor says another), as
// objects with the row number "_row" and the selected fields, in row order.
// It reads from the row after the cursor's on, by the row-number key, so a
// deep page costs what the first does; with filters it reads on until the
// page is full.
func (a *api) listRows(w http.ResponseWriter, r *http.Request) {
	d, err := a.s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p := r.URL.Query()
	page, err := parseRowsPage(p, a.cursors, d.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := d.Latest
	if page.Version != 0 && page.Version != v.Version {
		if v, err = a.s.store.Version(r.Context(), d.ID, page.Version); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	sel, err := parseSelection(p, v.Columns)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	fields := sel.Fields
	if fields == nil {
		fields = v.Columns
	}
	index := map[string]int{}
	for i, c := range v.Columns {
		index[c] = i
	}
	keys := objectKeys(append([]string{"_row"}, fields...))
	// The page's objects are written into one buffer, as one JSON array.
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	bw.WriteByte('[')
	n := 0
	out := make(Row, 0, len(fields)+1)
	var last int64
	more := false
	scanLimit := 0 // with filters, read on until the page is full
	if len(sel.Filters) == 0 {
		scanLimit = page.Limit + 1
	}
	err = a.s.store.Rows(r.Context(), d.ID, v.Version, page.After, scanLimit, func(no int64, row Row) error {
		if !rowMatches(row, index, sel.Filters, "") {
			return nil
		}
		if n == page.Limit {
			more = true
			return errPageFull
		}
		out = append(out[:0], json.RawMessage(strconv.FormatInt(no, 10)))
		for _, f := range fields {
			out = append(out, row[index[f]])
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		writeObject(bw, keys, out)
		n++
		last = no
		return nil
	})
	bw.WriteByte(']')
	bw.Flush()
	data := json.RawMessage(buf.Bytes())
	if err != nil && !errors.Is(err, errPageFull) {
		a.fail(w, r, err)
		return
	}
	var next v1Page
	if more {
		next.setNext(r, a.cursors.encode(cursor{Kind: "rows", Dataset: d.ID, Version: v.Version, Row: last}))
	}
	kv := []any{"dataset_id", d.ID, "version", v.Version, "fields", fields, "data", rawJSON(data)}
	if more {
		kv = append(kv, "next_cursor", next.NextCursor, "next", next.Next)
	}
	body, err := rawObject(kv...)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
}

// nonNil is ss, or an empty list for nil (JSON [] rather than null).
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
