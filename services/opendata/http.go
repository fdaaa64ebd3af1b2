package opendata

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"crypto/subtle"

	"github.com/vasteras/civicbus/services/opendata/dataset"
)

// Mount serves the service's JSON API on mux under the configured prefix:
//
//	GET  datasets                               every dataset, its latest version and pending changes
//	GET  datasets/{id}                          one dataset: its definition and versions
//	GET  datasets/{id}/preview                  the policy run on current data: privacy report and first rows, nothing published
//	POST datasets/{id}/publish                  publish a version now (admin)
//	GET  datasets/{id}/versions/{n}/rows        a version's rows as NDJSON (?after=row&limit=n)
//	GET  datasets/{id}/versions/{n}/privacy-report.json
//
// {id} is a dataset's UUID or name.
func (s *Service) Mount(mux *http.ServeMux) {
	p := s.cfg.Prefix
	mux.HandleFunc("GET "+p+"datasets", s.handleList)
	mux.HandleFunc("GET "+p+"datasets/{id}", s.handleShow)
	mux.HandleFunc("GET "+p+"datasets/{id}/preview", s.handlePreview)
	mux.HandleFunc("POST "+p+"datasets/{id}/publish", s.handlePublish)
	mux.HandleFunc("GET "+p+"datasets/{id}/versions/{n}/rows", s.handleRows)
	mux.HandleFunc("GET "+p+"datasets/{id}/versions/{n}/privacy-report.json", s.handleReport)
}

// Summary is a dataset in the list.
type Summary struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Title          string   `json:"title"`
	Shape          string   `json:"shape"`
	Topics         []string `json:"topics"`
	LatestVersion  int      `json:"latest_version"`
	PendingChanges int64    `json:"pending_changes"`
	Unclassified   []string `json:"unclassified_fields,omitempty"`
}

func (s *Service) summary(r *http.Request, d *dataset.Loaded) (Summary, error) {
	pending, last, err := s.store.Pending(r.Context(), d.ID)
	if err != nil {
		return Summary{}, err
	}
	un, err := s.store.Unclassified(r.Context(), d.ID)
	if err != nil {
		return Summary{}, err
	}
	return Summary{ID: d.ID, Name: d.Name, Title: d.Title.SV, Shape: d.Shape.Kind, Topics: d.Source.Topics,
		LatestVersion: last, PendingChanges: pending, Unclassified: un}, nil
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	out := []Summary{}
	for _, d := range s.datasets {
		sm, err := s.summary(r, d)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "the state cannot be read")
			return
		}
		out = append(out, sm)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) lookup(w http.ResponseWriter, r *http.Request) (*dataset.Loaded, bool) {
	d, ok := s.Lookup(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such dataset")
	}
	return d, ok
}

func (s *Service) handleShow(w http.ResponseWriter, r *http.Request) {
	d, ok := s.lookup(w, r)
	if !ok {
		return
	}
	sm, err := s.summary(r, d)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "the state cannot be read")
		return
	}
	vs, err := s.store.Versions(r.Context(), d.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "the state cannot be read")
		return
	}
	if vs == nil {
		vs = []Version{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"summary": sm, "definition": d.Definition, "versions": vs})
}

func (s *Service) handlePreview(w http.ResponseWriter, r *http.Request) {
	d, ok := s.lookup(w, r)
	if !ok {
		return
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be 0 to 1000")
			return
		}
		limit = n
	}
	out, err := s.Preview(r.Context(), d.ID)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": err.Error(), "published": false})
		return
	}
	rows := out.Rows
	if len(rows) > limit {
		rows = rows[:limit]
	}
	writeJSON(w, http.StatusOK, map[string]any{"columns": out.Columns, "row_count": len(out.Rows), "rows": rows, "privacy_report": out.Report})
}

func (s *Service) handlePublish(w http.ResponseWriter, r *http.Request) {
	if !s.admin(r) {
		writeError(w, http.StatusUnauthorized, "publishing needs the admin token (or a loopback client when none is set)")
		return
	}
	d, ok := s.lookup(w, r)
	if !ok {
		return
	}
	v, err := s.Publish(r.Context(), d.ID)
	switch {
	case errors.Is(err, ErrNoChange):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil && v == nil:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": err.Error(), "published": false})
	case err != nil:
		writeJSON(w, http.StatusAccepted, map[string]any{"version": v, "warning": err.Error()})
	default:
		writeJSON(w, http.StatusCreated, v)
	}
}

func (s *Service) admin(r *http.Request) bool {
	if s.cfg.AdminToken != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) == 1
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

func (s *Service) version(w http.ResponseWriter, r *http.Request) (*dataset.Loaded, *Version, bool) {
	d, ok := s.lookup(w, r)
	if !ok {
		return nil, nil, false
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, "the version must be a number from 1")
		return nil, nil, false
	}
	vs, err := s.store.Versions(r.Context(), d.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "the state cannot be read")
		return nil, nil, false
	}
	for i := range vs {
		if vs[i].Version == n {
			return d, &vs[i], true
		}
	}
	writeError(w, http.StatusNotFound, "no such version")
	return nil, nil, false
}

func (s *Service) handleRows(w http.ResponseWriter, r *http.Request) {
	d, v, ok := s.version(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	after, err1 := strconv.ParseInt(orDefault(q.Get("after"), "0"), 10, 64)
	limit, err2 := strconv.Atoi(orDefault(q.Get("limit"), "0"))
	if err1 != nil || err2 != nil || after < 0 || limit < 0 {
		writeError(w, http.StatusBadRequest, "after and limit must be non-negative numbers")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	err := s.store.VersionRows(r.Context(), d.ID, v.Version, after, limit, func(_ int64, row []any) bool {
		obj := make(map[string]any, len(row))
		for i, c := range v.Columns {
			obj[c] = row[i]
		}
		return enc.Encode(obj) == nil
	})
	if err != nil {
		s.cfg.Logger.Warn("rows", "dataset", d.Name, "err", err)
	}
}

func (s *Service) handleReport(w http.ResponseWriter, r *http.Request) {
	_, v, ok := s.version(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(v.Report)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
