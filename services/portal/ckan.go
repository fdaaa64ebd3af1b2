package portal

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ckanAction is one action of the CKAN Action API: it answers the request's
// parameters with a result, a *paramError (400) or ErrNotFound (404).
type ckanAction func(r *http.Request, params url.Values) (any, error)

func (s *Service) ckanActions() map[string]ckanAction {
	return map[string]ckanAction{
		"package_list":      s.packageList,
		"package_search":    s.packageSearch,
		"package_show":      s.packageShow,
		"organization_list": s.organizationList,
		"organization_show": s.organizationShow,
		"datastore_search":  s.datastoreSearch,
	}
}

// handleCKAN serves GET and POST /api/3/action/{action} (parameters in the
// query, or a JSON object body for POST) with CKAN's envelope: help,
// success, and result or error. Invalid parameters are 400 with CKAN's
// "Validation Error", unknown ids 404 "Not Found Error", an unknown action
// 400 "Bad Request".
func (s *Service) handleCKAN(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("action")
	help := s.cfg.BaseURL + "/api/3/action/help_show?name=" + url.QueryEscape(name)
	action, ok := s.ckanActions()[name]
	if !ok {
		writeCKAN(w, http.StatusBadRequest, map[string]any{"help": help, "success": false,
			"error": map[string]any{"__type": "Bad Request", "message": "Bad request - Action name not known: " + name}})
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		var err error
		if params, err = bodyParams(r); err != nil {
			writeCKAN(w, http.StatusBadRequest, map[string]any{"help": help, "success": false,
				"error": map[string]any{"__type": "Bad Request", "message": "Bad request - JSON Error: the body must be a JSON object"}})
			return
		}
	}
	result, err := action(r, params)
	var perr *paramError
	switch {
	case err == nil:
		if raw, ok := result.(rawJSON); ok {
			writeCKANResult(w, help, raw)
			return
		}
		writeCKAN(w, http.StatusOK, map[string]any{"help": help, "success": true, "result": result})
	case errors.As(err, &perr):
		writeCKAN(w, http.StatusBadRequest, map[string]any{"help": help, "success": false,
			"error": map[string]any{"__type": "Validation Error", perr.Field: []string{perr.Msg}}})
	case errors.Is(err, ErrNotFound):
		writeCKAN(w, http.StatusNotFound, map[string]any{"help": help, "success": false,
			"error": map[string]any{"__type": "Not Found Error", "message": "Not found"}})
	default:
		s.cfg.Logger.Error("ckan action", "action", name, "err", err)
		writeCKAN(w, http.StatusInternalServerError, map[string]any{"help": help, "success": false,
			"error": map[string]any{"__type": "Internal Error", "message": "Internal error"}})
	}
}

// maxBody bounds a POSTed action's JSON body.
const maxBody = 1 << 20

// bodyParams reads a POSTed action's JSON object as parameters: strings as
// they are, other values (numbers, lists, objects) as their JSON text, as
// the query string would carry them.
func bodyParams(r *http.Request) (url.Values, error) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody)).Decode(&body); err != nil {
		return nil, err
	}
	params := url.Values{}
	for k, raw := range body {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		params.Set(k, s)
	}
	return params, nil
}

func writeCKAN(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Service) packageList(r *http.Request, _ url.Values) (any, error) {
	ds, err := s.datasets(r.Context())
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, d := range ds {
		names = append(names, d.Name)
	}
	return names, nil
}

func (s *Service) packageShow(r *http.Request, p url.Values) (any, error) {
	id := p.Get("id")
	if id == "" {
		return nil, badParam("id", "Missing value")
	}
	x, err := s.index(r.Context())
	if err != nil {
		return nil, err
	}
	i, ok := x.position(id)
	if !ok {
		return nil, ErrNotFound
	}
	return rawJSON(x.pkg[i]), nil
}

func (s *Service) packageSearch(r *http.Request, p url.Values) (any, error) {
	q, err := parseSearch(p)
	if err != nil {
		return nil, err
	}
	x, err := s.index(r.Context())
	if err != nil {
		return nil, err
	}
	type hit struct {
		i, score int
	}
	var hits []hit
	for _, m := range x.matches(searchWords(q.Q)) {
		if matchesFQ(x.fields[m.i], q.FQ) {
			hits = append(hits, hit{int(m.i), int(m.n)})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		ad, bd := &x.datasets[a.i], &x.datasets[b.i]
		for _, k := range q.Sort {
			var c int
			switch k.Field {
			case "score":
				c = cmp.Compare(a.score, b.score)
			case "name":
				c = cmp.Compare(ad.Name, bd.Name)
			case "title_string":
				c = cmp.Compare(ad.Title.SV, bd.Title.SV)
			case "metadata_modified":
				c = ad.Latest.PublishedAt.Compare(bd.Latest.PublishedAt)
			case "metadata_created":
				c = ad.FirstPublished.Compare(bd.FirstPublished)
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
	results := []json.RawMessage{}
	facets := map[string]map[string]int{}
	for _, f := range q.FacetFields {
		counts := make([]int, len(x.facetNames[f]))
		for _, h := range hits {
			for _, id := range x.facetIDs[f][h.i] {
				counts[id]++
			}
		}
		facets[f] = map[string]int{}
		for id, n := range counts {
			if n > 0 {
				facets[f][x.facetNames[f][id]] = n
			}
		}
	}
	for n, h := range hits {
		if n >= q.Start && len(results) < q.Rows {
			results = append(results, x.pkg[h.i])
		}
	}
	return rawObject("count", len(hits), "facets", facets, "results", rawArray(results),
		"search_facets", searchFacets(facets), "sort", cmp.Or(p.Get("sort"), defaultSort))
}

// searchWords are the lowercase words of a search text.
func searchWords(q string) []string { return strings.Fields(strings.ToLower(q)) }

// matchScore is how many times words (see searchWords) occur in text (a
// dataset's lowercase search text), 0 unless every word occurs; no words
// match everything once.
func matchScore(text string, words []string) int {
	if len(words) == 0 {
		return 1
	}
	score := 0
	for _, w := range words {
		n := strings.Count(text, w)
		if n == 0 {
			return 0
		}
		score += n
	}
	return score
}

// matchesFQ holds when every term's field has the term's value among a
// dataset's field values.
func matchesFQ(fields map[string][]string, fq []fqTerm) bool {
	for _, t := range fq {
		if !slices.Contains(fields[t.Field], t.Value) {
			return false
		}
	}
	return true
}

// fieldValues are a dataset's values of a CKAN search field.
func (s *Service) fieldValues(d Dataset, field string) []string {
	switch field {
	case "id":
		return []string{d.ID}
	case "name":
		return []string{d.Name}
	case "tags":
		return d.Keywords.SV
	case "license_id":
		return []string{ckanLicence(d.Licence).id}
	case "organization":
		return []string{slug(d.publisher().Name)}
	case "res_format":
		return []string{"CSV", "JSON", "NDJSON", "PARQUET"}
	case "groups":
		var out []string
		for _, t := range d.Themes {
			out = append(out, strings.ToLower(t))
		}
		return out
	}
	return nil
}

// facetItem is a value of a facet as CKAN's search_facets lists it (the
// fields in the order encoding/json gives a map's keys).
type facetItem struct {
	Count       int    `json:"count"`
	DisplayName string `json:"display_name"`
	Name        string `json:"name"`
}

type facetList struct {
	Items []facetItem `json:"items"`
	Title string      `json:"title"`
}

func searchFacets(facets map[string]map[string]int) map[string]facetList {
	out := map[string]facetList{}
	for field, counts := range facets {
		items := []facetItem{}
		for name, n := range counts {
			items = append(items, facetItem{n, name, name})
		}
		slices.SortFunc(items, func(a, b facetItem) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
		})
		out[field] = facetList{items, field}
	}
	return out
}

// ckanTime is CKAN's timestamp format (UTC, no zone).
func ckanTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

type licence struct{ id, title, url string }

// ckanLicence maps a definition's licence to CKAN's licence register.
func ckanLicence(l string) licence {
	if l == "cc0" {
		return licence{"cc-zero", "Creative Commons CCZero", "http://creativecommons.org/publicdomain/zero/1.0/"}
	}
	return licence{"cc-by", "Creative Commons Attribution", "http://creativecommons.org/licenses/by/4.0/"}
}

// ckanPackage is a dataset as CKAN's package dictionary; its resources are
// the latest version's downloads.
func (s *Service) ckanPackage(d Dataset) map[string]any {
	lic := ckanLicence(d.Licence)
	tags := []map[string]any{}
	for _, k := range d.Keywords.SV {
		tags = append(tags, map[string]any{"name": k, "display_name": k, "state": "active"})
	}
	groups := []map[string]any{}
	for _, t := range d.Themes {
		groups = append(groups, map[string]any{"name": strings.ToLower(t), "title": t})
	}
	resources := s.ckanResources(d)
	org := s.ckanOrg(d.publisher(), -1)
	return map[string]any{
		"id": d.ID, "name": d.Name, "title": d.Title.SV, "notes": d.Description.SV,
		"title_translated": d.Title, "notes_translated": d.Description,
		"url": s.cfg.BaseURL + "/datasets/" + d.Name, "version": strconv.Itoa(d.Latest.Version),
		"license_id": lic.id, "license_title": lic.title, "license_url": lic.url,
		"metadata_created": ckanTime(d.FirstPublished), "metadata_modified": ckanTime(d.Latest.PublishedAt),
		"owner_org": org["id"], "organization": org, "maintainer": d.ContactPoint.Name, "maintainer_email": d.ContactPoint.Email,
		"tags": tags, "num_tags": len(tags), "groups": groups, "resources": resources, "num_resources": len(resources),
		"state": "active", "type": "dataset", "private": false, "isopen": true,
		"extras": []map[string]string{
			{"key": "privacy_report_url", "value": s.versionURL(d.ID, d.Latest.Version) + "/privacy-report.json"},
			{"key": "sha256", "value": d.Latest.SHA256},
			{"key": "temporal_start", "value": d.Latest.TemporalStart},
			{"key": "temporal_end", "value": d.Latest.TemporalEnd},
			{"key": "update_frequency", "value": d.UpdateFrequency},
		},
	}
}

func (s *Service) versionURL(id string, n int) string {
	return s.cfg.BaseURL + "/datasets/" + id + "/versions/" + strconv.Itoa(n)
}

// resourceFormats are the formats each dataset offers as CKAN resources.
var resourceFormats = []struct{ format, suffix, mediaType string }{
	{"CSV", ".csv", "text/csv"}, {"JSON", ".json", "application/json"}, {"NDJSON", ".ndjson", "application/x-ndjson"},
	{"PARQUET", ".parquet", mediaTypeParquet},
}

// resourceID is a resource's stable UUID, from its dataset and format.
func resourceID(datasetID, format string) string {
	sum := sha256.Sum256([]byte("portal/resource/" + datasetID + "/" + format))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Service) ckanResources(d Dataset) []map[string]any {
	var out []map[string]any
	for i, f := range resourceFormats {
		out = append(out, map[string]any{
			"id": resourceID(d.ID, f.format), "package_id": d.ID, "position": i,
			"name": d.Title.SV + " (" + f.format + ")", "format": f.format, "mimetype": f.mediaType,
			"url": s.cfg.BaseURL + "/datasets/" + d.Name + "/latest" + f.suffix, "url_type": "",
			"last_modified": ckanTime(d.Latest.PublishedAt), "created": ckanTime(d.FirstPublished),
			"hash": "", "datastore_active": true, "state": "active",
		})
	}
	out[0]["hash"] = "sha256:" + d.Latest.SHA256 // the CSV's
	return out
}
