package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// schemaResponse is a version, or a schema looked up, in Confluent's shape.
type schemaResponse struct {
	Subject    string `json:"subject,omitempty"`
	Version    int    `json:"version,omitempty"`
	ID         int64  `json:"id,omitempty"`
	SchemaType string `json:"schemaType"`
	Schema     string `json:"schema"`
}

func versionResponse(v Version) schemaResponse {
	return schemaResponse{Subject: v.Subject, Version: v.Version, ID: v.ID, SchemaType: "JSON", Schema: v.Schema}
}

// root answers GET / as Confluent does, with an empty object.
func (h *handler) root(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct{}{})
}

func (h *handler) subjects(w http.ResponseWriter, r *http.Request) {
	subjects, err := h.reg.Subjects(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, subjects)
}

func (h *handler) versions(w http.ResponseWriter, r *http.Request) {
	vs, err := h.reg.Versions(r.Context(), r.PathValue("subject"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	numbers := make([]int, len(vs))
	for i, v := range vs {
		numbers[i] = v.Version
	}
	writeJSON(w, http.StatusOK, numbers)
}

func (h *handler) version(w http.ResponseWriter, r *http.Request) {
	if v, ok := h.lookupVersion(w, r); ok {
		writeJSON(w, http.StatusOK, versionResponse(v))
	}
}

// versionSchema answers with the schema itself, as Confluent's
// /versions/{version}/schema.
func (h *handler) versionSchema(w http.ResponseWriter, r *http.Request) {
	if v, ok := h.lookupVersion(w, r); ok {
		w.Header().Set("Content-Type", ContentType)
		_, _ = io.WriteString(w, v.Schema)
	}
}

func (h *handler) lookupVersion(w http.ResponseWriter, r *http.Request) (Version, bool) {
	n, err := parseVersion(r.PathValue("version"))
	if err == nil {
		var v Version
		if v, err = h.reg.Version(r.Context(), r.PathValue("subject"), n); err == nil {
			return v, true
		}
	}
	h.fail(w, r, err)
	return Version{}, false
}

// parseVersion reads a version path value: a number from 1, or "latest" (or
// -1, which Confluent also takes for latest).
func parseVersion(s string) (int, error) {
	if s == "latest" || s == "-1" {
		return Latest, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > math.MaxInt32 {
		return 0, ErrInvalidVersion
	}
	return n, nil
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	schema, ok := h.readSchema(w, r)
	if !ok {
		return
	}
	v, err := h.reg.Register(r.Context(), r.PathValue("subject"), schema)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		ID int64 `json:"id"`
	}{v.ID})
}

func (h *handler) lookup(w http.ResponseWriter, r *http.Request) {
	schema, ok := h.readSchema(w, r)
	if !ok {
		return
	}
	v, err := h.reg.Lookup(r.Context(), r.PathValue("subject"), schema)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, versionResponse(v))
}

func (h *handler) schemaByID(w http.ResponseWriter, r *http.Request) {
	if text, ok := h.lookupID(w, r); ok {
		writeJSON(w, http.StatusOK, schemaResponse{SchemaType: "JSON", Schema: text})
	}
}

func (h *handler) rawSchemaByID(w http.ResponseWriter, r *http.Request) {
	if text, ok := h.lookupID(w, r); ok {
		w.Header().Set("Content-Type", ContentType)
		_, _ = io.WriteString(w, text)
	}
}

func (h *handler) lookupID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.fail(w, r, ErrSchemaNotFound)
		return "", false
	}
	text, err := h.reg.SchemaByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return "", false
	}
	return text, true
}

func (h *handler) compatibility(w http.ResponseWriter, r *http.Request) {
	version := AllVersions
	if s := r.PathValue("version"); s != "" {
		var err error
		if version, err = parseVersion(s); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	schema, ok := h.readSchema(w, r)
	if !ok {
		return
	}
	incs, err := h.reg.TestCompatibility(r.Context(), r.PathValue("subject"), version, schema)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
	}{len(incs) == 0, messagesOf(incs)})
}

// getConfig answers with the mode in force for the subject (its own, else
// the global one), or the global mode.
func (h *handler) getConfig(w http.ResponseWriter, r *http.Request) {
	m, err := h.reg.Mode(r.Context(), r.PathValue("subject"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		CompatibilityLevel Mode `json:"compatibilityLevel"`
	}{m})
}

func (h *handler) putConfig(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Compatibility string `json:"compatibility"`
	}
	if !h.readJSON(w, r, &req) {
		return
	}
	m, err := ParseMode(req.Compatibility)
	if err == nil {
		err = h.reg.SetMode(r.Context(), r.PathValue("subject"), m)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Compatibility Mode `json:"compatibility"`
	}{m})
}

// schemaRequest is the body of the POSTs that carry a schema.
type schemaRequest struct {
	Schema     *string           `json:"schema"`
	SchemaType string            `json:"schemaType"`
	References []json.RawMessage `json:"references"`
}

// readSchema reads a schemaRequest and answers the errors in it.
func (h *handler) readSchema(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var req schemaRequest
	if !h.readJSON(w, r, &req) {
		return nil, false
	}
	switch {
	case req.Schema == nil || strings.TrimSpace(*req.Schema) == "":
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: empty schema.")
	case req.SchemaType != "" && !strings.EqualFold(req.SchemaType, "JSON"):
		writeError(w, http.StatusUnprocessableEntity, 42201,
			fmt.Sprintf("Invalid schema: schema type %s is not supported; this registry holds JSON Schema only.", quoteInput(req.SchemaType)))
	case len(req.References) > 0:
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: schema references are not supported; keep each schema self-contained.")
	default:
		return []byte(*req.Schema), true
	}
	return nil, false
}

// readJSON decodes one JSON value from the body, at most MaxBodyBytes long,
// and answers 413 or 400 when it cannot.
func (h *handler) readJSON(w http.ResponseWriter, r *http.Request, into any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	err := d.Decode(into)
	if err == nil {
		if _, extra := d.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("data after the JSON value")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, 413, fmt.Sprintf("Request body larger than %d bytes.", tooLarge.Limit))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, 400, "Request body is not the JSON expected: "+err.Error())
		return false
	}
	return true
}
