package registry

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
)

// ContentType is the media type of every response, as Confluent's.
const ContentType = "application/vnd.schemaregistry.v1+json"

// DefaultMaxBodyBytes is the default limit on a request body.
const DefaultMaxBodyBytes = 1 << 20

// HandlerConfig configures NewHandler.
type HandlerConfig struct {
	// AdminToken is the bearer token that writes (registering a schema,
	// setting a mode) must carry: "Authorization: Bearer <token>". Without
	// one every write is refused.
	AdminToken string

	// MaxBodyBytes limits a request body; default 1 MiB.
	MaxBodyBytes int64

	// Logger receives the store errors behind 500 responses; default none.
	Logger *slog.Logger
}

func (c *HandlerConfig) setDefaults() {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewHandler serves reg over HTTP with Confluent Schema Registry's paths,
// JSON shapes and error codes, for JSON Schema only. Its routes are
// relative: mount it under a prefix with http.StripPrefix, as
//
//	mux.Handle("/registry/", http.StripPrefix("/registry", registry.NewHandler(reg, cfg)))
//
// Routes: GET /subjects; GET and POST /subjects/{subject}/versions;
// GET /subjects/{subject}/versions/{version}[/schema] (a number or latest);
// POST /subjects/{subject} (look a schema up); GET /schemas/ids/{id}[/schema];
// POST /compatibility/subjects/{subject}/versions[/{version}]; GET and PUT
// /config and /config/{subject}.
//
// Errors are {"error_code": 40401, "message": "..."}: 40401 subject, 40402
// version, 40403 schema not found; 409 incompatible schema, with every
// break in the message; 42201 invalid schema; 42202 invalid version; 42203
// invalid compatibility level; 42208 invalid subject; 400 a body that is not
// JSON; 413 a body over the limit; 40101 a write without the admin token;
// 40301 a write when no token is configured; 50001 a store error.
func NewHandler(reg *Registry, cfg HandlerConfig) http.Handler {
	cfg.setDefaults()
	h := &handler{reg: reg, cfg: cfg, mux: http.NewServeMux()}
	routes := []struct {
		pattern string
		fn      http.HandlerFunc
	}{
		{"GET /{$}", h.root},
		{"GET /subjects", h.subjects},
		{"GET /subjects/{subject}/versions", h.versions},
		{"POST /subjects/{subject}/versions", h.admin(h.register)},
		{"GET /subjects/{subject}/versions/{version}", h.version},
		{"GET /subjects/{subject}/versions/{version}/schema", h.versionSchema},
		{"POST /subjects/{subject}", h.lookup},
		{"GET /schemas/ids/{id}", h.schemaByID},
		{"GET /schemas/ids/{id}/schema", h.rawSchemaByID},
		{"POST /compatibility/subjects/{subject}/versions", h.compatibility},
		{"POST /compatibility/subjects/{subject}/versions/{version}", h.compatibility},
		{"GET /config", h.getConfig},
		{"PUT /config", h.admin(h.putConfig)},
		{"GET /config/{subject}", h.getConfig},
		{"PUT /config/{subject}", h.admin(h.putConfig)},
	}
	for _, r := range routes {
		h.mux.HandleFunc(r.pattern, r.fn)
	}
	return h
}

type handler struct {
	reg *Registry
	cfg HandlerConfig
	mux *http.ServeMux
}

// ServeHTTP routes the request, answering unknown routes and methods in
// Confluent's error shape too.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p != "/" && path.Clean(p) != strings.TrimSuffix(p, "/") {
		// The mux would redirect to the clean path, which under
		// http.StripPrefix loses the prefix; and no route has such a path
		// (an empty subject, a "..").
		writeError(w, http.StatusNotFound, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	rec := &statusRecorder{header: w.Header()}
	h.mux.ServeHTTP(rec, r) // the mux decides 404 or 405, and sets Allow
	code := rec.status
	if code == 0 || code == http.StatusOK {
		code = http.StatusNotFound
	}
	writeError(w, code, code, fmt.Sprintf("HTTP %d %s", code, http.StatusText(code)))
}

// statusRecorder keeps the status the mux chose and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// admin lets a request through only with the admin token.
func (h *handler) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.AdminToken == "" {
			writeError(w, http.StatusForbidden, 40301, "Writes are disabled: the registry has no admin token configured.")
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || !sameToken(strings.TrimSpace(token), h.cfg.AdminToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="civicbus schema registry"`)
			writeError(w, http.StatusUnauthorized, 40101, "Unauthorized: writes need the admin token (Authorization: Bearer <token>).")
			return
		}
		next(w, r)
	}
}

// sameToken compares in constant time, also in the tokens' lengths.
func sameToken(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is Confluent's error body.
type apiError struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, apiError{ErrorCode: code, Message: message})
}

// fail answers with the Confluent error for err.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	subject := quoteInput(r.PathValue("subject"))
	var incompatible *IncompatibleError
	switch {
	case errors.As(err, &incompatible):
		msgs, _ := json.Marshal(messagesOf(incompatible.Incompatibilities))
		writeError(w, http.StatusConflict, 409, fmt.Sprintf(
			"Schema being registered is incompatible with an earlier schema for subject %s (%s), details: %s",
			subject, incompatible.Mode, msgs))
	case errors.Is(err, ErrSubjectNotFound):
		writeError(w, http.StatusNotFound, 40401, fmt.Sprintf("Subject %s not found.", subject))
	case errors.Is(err, ErrVersionNotFound):
		writeError(w, http.StatusNotFound, 40402, fmt.Sprintf("Version %s not found.", quoteInput(r.PathValue("version"))))
	case errors.Is(err, ErrSchemaNotFound):
		writeError(w, http.StatusNotFound, 40403, "Schema not found.")
	case errors.Is(err, ErrInvalidSchema):
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: "+strings.TrimPrefix(err.Error(), ErrInvalidSchema.Error()+": "))
	case errors.Is(err, ErrInvalidVersion):
		writeError(w, http.StatusUnprocessableEntity, 42202, fmt.Sprintf(
			"The specified version %s is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\".",
			quoteInput(r.PathValue("version"))))
	case errors.Is(err, ErrInvalidMode):
		writeError(w, http.StatusUnprocessableEntity, 42203,
			"Invalid compatibility level. Valid values are "+modeList()+".")
	case errors.Is(err, ErrInvalidSubject):
		writeError(w, http.StatusUnprocessableEntity, 42208, "Invalid subject: "+strings.TrimPrefix(err.Error(), ErrInvalidSubject.Error()+": "))
	default:
		h.cfg.Logger.ErrorContext(r.Context(), "schema registry: store error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, 50001, "Error in the backend data store.")
	}
}

func messagesOf(incs []Incompatibility) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.String()
	}
	return out
}

// quoteInput quotes a value from the request for a message, cut short.
func quoteInput(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return "'" + strings.ReplaceAll(s, "'", "\\'") + "'"
}
