package casework

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// Mount serves the web face on mux under the configured prefix (p):
//
//	GET  p                         the inbox (?case_type=&status=open|closed&automated=1&mine=1), a page
//	                               of PageSize cases; ?after= the next page's cursor
//	GET  p login, POST p login     sign in; POST p logout
//	GET  p oidc/login              sign in with the OpenID provider (when OIDC is configured)
//	GET  p oidc/callback           the provider's redirect back (the OIDC redirect URL)
//	GET  p cases/{id}              the case page: timeline and actions
//	POST p cases/{id}/confirm      confirm a decision (decision_id)
//	POST p cases/{id}/override     amend a decision (decision_id, reason, outcome, result, motivering)
//	POST p cases/{id}/assign       assign the case (assignee)
//	POST p cases/{id}/comment      comment (text)
//	GET  p cases/{id}/audit        the decision history, printable
//	GET  p cases/{id}/audit.json   the decision history as JSON
//	GET  p supervisor              per rule or model: automated, referred, overridden
//	GET  p api/cases               the inbox as JSON, same filters; "next" is the next page's after
//	GET  p api/cases/{id}          a case, its timeline and decision records as JSON
//	GET  p events[?case={id}]      live changes as Server-Sent Events (the user's units, or one case)
//
// Every page but the sign-in needs a session; every form carries the
// session's CSRF token, and cross-origin posts are refused before that.
func (s *Service) Mount(mux *http.ServeMux) {
	p := s.cfg.Prefix
	in := http.NewServeMux()
	in.HandleFunc("GET "+p+"{$}", s.page(s.handleInbox))
	in.HandleFunc("GET "+p+"login", s.handleLoginForm)
	in.HandleFunc("POST "+p+"login", s.handleLogin)
	in.HandleFunc("POST "+p+"logout", s.form(s.handleLogout))
	if s.oidc != nil {
		in.HandleFunc("GET "+p+"oidc/login", s.handleOIDCLogin)
		in.HandleFunc("GET "+p+"oidc/callback", s.handleOIDCCallback)
	}
	in.HandleFunc("GET "+p+"static/casework.css", handleCSS)
	in.HandleFunc("GET "+p+"static/live.js", handleScript)
	in.HandleFunc("GET "+p+"events", s.api(s.handleEvents))
	in.HandleFunc("GET "+p+"cases/{id}", s.page(s.handleCase))
	in.HandleFunc("POST "+p+"cases/{id}/confirm", s.form(s.handleConfirm))
	in.HandleFunc("POST "+p+"cases/{id}/override", s.form(s.handleOverride))
	in.HandleFunc("POST "+p+"cases/{id}/assign", s.form(s.handleAssign))
	in.HandleFunc("POST "+p+"cases/{id}/comment", s.form(s.handleComment))
	in.HandleFunc("GET "+p+"cases/{id}/audit", s.page(s.handleAudit))
	in.HandleFunc("GET "+p+"cases/{id}/audit.json", s.api(s.handleAuditJSON))
	in.HandleFunc("GET "+p+"supervisor", s.page(s.handleSupervisor))
	in.HandleFunc("GET "+p+"api/cases", s.api(s.handleAPICases))
	in.HandleFunc("GET "+p+"api/cases/{id}", s.api(s.handleAPICase))
	mux.Handle(p, securityHeaders(http.NewCrossOriginProtection().Handler(in)))
}

// securityHeaders sets the headers every answer carries: no framing, no
// inline or outside scripts or styles (only the service's own script and
// its own event stream), no sniffing, no referrer, no
// caching of case data.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// userHandler is a handler for a signed-in user.
type userHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// page serves h to a signed-in user, and sends anyone else to sign in.
func (s *Service) page(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read session", err)
			return
		}
		if sess == nil {
			http.Redirect(w, r, s.cfg.Prefix+"login", http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// form serves a POST of a signed-in user whose CSRF token matches their
// session's; a missing or wrong token is refused and logged.
func (s *Service) form(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read session", err)
			return
		}
		if sess == nil {
			s.refuse(w, r, http.StatusForbidden, "Du är inte inloggad, eller så har sessionen gått ut. Logga in igen.", "post without a session")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			s.refuse(w, r, http.StatusForbidden, "Formuläret saknar giltig säkerhetstoken (CSRF). Ladda om sidan och försök igen.", "csrf token missing or wrong")
			return
		}
		h(w, r, sess)
	}
}

// maxForm bounds a posted form: the longest fields (reason and
// motivering, 4000 characters each) fit many times over.
const maxForm = 64 << 10

// api serves h to a signed-in user and answers anyone else 401 in JSON.
func (s *Service) api(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "internal error", "read session", err)
			return
		}
		if sess == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "sign in at " + s.cfg.Prefix + "login"})
			return
		}
		h(w, r, sess)
	}
}

// refuse answers a refused request with a clear message and logs the
// reason and the route, never the user, a value or the case data.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, status int, msg, reason string) {
	s.cfg.Logger.Warn("casework: request refused", "reason", reason, "route", r.Pattern, "status", status)
	s.answer(w, r, status, msg)
}

// fail answers an internal failure; the log names the operation.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, status int, msg, op string, err error) {
	s.cfg.Logger.Error("casework: "+op, "route", r.Pattern, "err", err)
	s.answer(w, r, status, msg)
}

func (s *Service) answer(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, s.cfg.Prefix+"api/") || strings.HasSuffix(r.URL.Path, ".json") {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	s.render(w, status, "message.html", view{Title: "Meddelande", Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// openCase returns the case of the request's {id} when sess's user may see
// it, writing the view to the access log either way (action names the
// view). Otherwise it answers 404 — another unit's case is not told apart
// from a missing one — and returns false.
func (s *Service) openCase(w http.ResponseWriter, r *http.Request, sess *session, action string) (Case, bool) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		s.refuse(w, r, http.StatusNotFound, "Ärendet finns inte, eller så har du inte behörighet att se det.", "case id is not a uuid")
		return Case{}, false
	}
	c, err := s.store.caseByID(r.Context(), id)
	if err != nil && !errors.Is(err, errNoCase) {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read case", err)
		return Case{}, false
	}
	allowed := err == nil && sess.user.Sees(c.Unit)
	c = s.titled(c)
	if err := s.store.logAccess(r.Context(), uuid.NewString(), sess.user.Username, id, action, allowed); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "access log", err)
		return Case{}, false
	}
	if !allowed {
		s.refuse(w, r, http.StatusNotFound, "Ärendet finns inte, eller så har du inte behörighet att se det.", "case not in the user's units")
		return Case{}, false
	}
	return c, true
}

// caseDoc is a case with its timeline and decision records: the API's
// answer and the audit export.
type caseDoc struct {
	Case      Case              `json:"case"`
	Timeline  []Entry           `json:"timeline"`
	Decisions []json.RawMessage `json:"decisions"`
}

func (s *Service) caseDoc(ctx context.Context, c Case) (caseDoc, error) {
	tl, err := s.store.timeline(ctx, c.ID)
	if err != nil {
		return caseDoc{}, err
	}
	ds, err := s.store.decisions(ctx, c.ID)
	if err != nil {
		return caseDoc{}, err
	}
	if ds == nil {
		ds = []json.RawMessage{}
	}
	return caseDoc{Case: c, Timeline: tl, Decisions: ds}, nil
}

// filter reads the inbox filters of r for sess's user.
func filter(r *http.Request, u *User) Filter {
	q := r.URL.Query()
	f := Filter{Units: u.Units, AllUnits: u.Role == RoleAdmin, CaseType: q.Get("case_type"), Automated: q.Get("automated") == "1", After: q.Get("after")}
	if st := q.Get("status"); st == StatusOpen || st == StatusClosed {
		f.Status = st
	}
	if q.Get("mine") == "1" { // waiting for me: assigned to me and, unless asked otherwise, open
		f.Assignee = u.Username
		if f.Status == "" {
			f.Status = StatusOpen
		}
	}
	return f
}

func (s *Service) handleAPICases(w http.ResponseWriter, r *http.Request, sess *session) {
	cs, next, err := s.store.cases(r.Context(), filter(r, sess.user))
	if errors.Is(err, errBadCursor) {
		s.refuse(w, r, http.StatusBadRequest, "after is not a cursor that a page gave", "bad page cursor")
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", "list cases", err)
		return
	}
	if cs == nil {
		cs = []Case{}
	}
	for i := range cs {
		cs[i] = s.titled(cs[i])
	}
	body := map[string]any{"cases": cs}
	if next != "" {
		body["next"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Service) handleAPICase(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.openCase(w, r, sess, "api")
	if !ok {
		return
	}
	doc, err := s.caseDoc(r.Context(), c)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", "read case", err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}
