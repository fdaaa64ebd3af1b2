package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vasteras/civicbus/bus"
)

// Service is the admin face. Its methods are safe for concurrent use.
type Service struct {
	cfg      Config
	token    string
	sessions *sessions
	rates    *rates
	letters  letterCache
	pub      *bus.Publisher // replays dead letters
}

// New builds the face from cfg without mounting it or sampling rates; the
// caller Mounts it and Closes it.
func New(cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	token, err := cfg.token()
	if err != nil {
		return nil, err
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: cfg.Conn, Source: "/civicbus/admin", Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, token: token, sessions: newSessions(), rates: newRates(cfg.Conn), pub: pub}, nil
}

// Close releases the replay publisher.
func (s *Service) Close() error { return s.pub.Close() }

// Mount serves the face on mux under the prefix p:
//
//	GET  p                      the overview: connectors, topics, dead letters, schemas, datasets, pipeline
//	GET  p login, POST p login  sign in with the admin token; POST p logout
//	POST p replay               replay the dead letters of topic, one (id) or all
//	GET  p static/admin.css     the style sheet
//
// Without an admin token configured every path answers 403. Cross-origin
// posts are refused, and every post needs the session's CSRF token.
func (s *Service) Mount(mux *http.ServeMux) {
	p := s.cfg.Prefix
	in := http.NewServeMux()
	in.HandleFunc("GET "+p+"{$}", s.page(s.handleOverview))
	in.HandleFunc("GET "+p+"login", s.handleLoginForm)
	in.HandleFunc("POST "+p+"login", s.handleLogin)
	in.HandleFunc("POST "+p+"logout", s.form(s.handleLogout))
	in.HandleFunc("POST "+p+"replay", s.form(s.handleReplay))
	in.HandleFunc("GET "+p+"static/admin.css", handleCSS)
	mux.Handle(p, securityHeaders(s.configured(http.NewCrossOriginProtection().Handler(in))))
}

// securityHeaders sets what every answer carries: no scripts at all, no
// framing, no sniffing, no referrer, no caching.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// configured answers 403 to everything while no admin token is set.
func (s *Service) configured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			s.message(w, http.StatusForbidden, "Adminsidan är avstängd / The admin face is disabled",
				"Ingen admin-token är satt. Sätt "+EnvToken+" eller "+EnvTokenFile+" och starta om tjänsten. / No admin token is configured.")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// page serves h to a signed-in owner and sends anyone else to sign in.
func (s *Service) page(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(r)
		if sess == nil {
			http.Redirect(w, r, s.cfg.Prefix+"login", http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// maxForm bounds a posted form.
const maxForm = 16 << 10

// form serves a POST of a signed-in owner whose CSRF token matches the
// session's; anything else is refused with 403 and logged.
func (s *Service) form(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(r)
		if sess == nil {
			s.refuse(w, r, "Du är inte inloggad, eller så har sessionen gått ut. / Not signed in.", "post without a session")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			s.refuse(w, r, "Formuläret saknar giltig säkerhetstoken (CSRF). Ladda om sidan. / Missing or wrong CSRF token.", "csrf token missing or wrong")
			return
		}
		h(w, r, sess)
	}
}

// refuse answers 403 with msg and logs why, without any value the client
// sent.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, msg, why string) {
	s.cfg.Logger.Warn("admin: refused", "reason", why, "method", r.Method, "path", r.URL.Path)
	s.message(w, http.StatusForbidden, "Nekad / Refused", msg)
}

func (s *Service) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login.html", view{Prefix: s.cfg.Prefix, Title: "Logga in / Sign in"})
}

// handleLogin starts a session when the posted token is the admin token.
func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if !sameToken(strings.TrimSpace(r.PostFormValue("token")), s.token) {
		s.cfg.Logger.Warn("admin: sign-in refused", "reason", "wrong token")
		s.render(w, http.StatusUnauthorized, "login.html", view{Prefix: s.cfg.Prefix, Title: "Logga in / Sign in",
			Error: "Fel token. / Wrong token."})
		return
	}
	http.SetCookie(w, s.cookie(s.sessions.start(), int(sessionTTL.Seconds())))
	s.cfg.Logger.Info("admin: signed in")
	http.Redirect(w, r, s.cfg.Prefix, http.StatusSeeOther)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request, _ *session) {
	s.sessions.end(r)
	http.SetCookie(w, s.cookie("", -1))
	http.Redirect(w, r, s.cfg.Prefix+"login", http.StatusSeeOther)
}

// handleReplay replays the dead letters of the posted topic: the one whose
// id is posted, or all of them when id is empty.
func (s *Service) handleReplay(w http.ResponseWriter, r *http.Request, _ *session) {
	topic, id := r.PostFormValue("topic"), r.PostFormValue("id")
	if topic == "" || strings.HasSuffix(topic, deadLetterSuffix) {
		s.message(w, http.StatusBadRequest, "Felaktig begäran / Bad request", "Ämne (topic) saknas eller är ett dead-letter-ämne.")
		return
	}
	var ids []string
	if id != "" {
		ids = []string{id}
	}
	n, err := s.replay(r.Context(), topic, ids)
	if err != nil {
		s.cfg.Logger.Error("admin: replay failed", "topic", topic, "one", id != "", "published", n, "err", err)
		s.message(w, http.StatusBadGateway, "Omspelning misslyckades / Replay failed",
			fmt.Sprintf("%d meddelanden publicerades innan felet: %v", n, err))
		return
	}
	s.cfg.Logger.Info("admin: replayed dead letters", "topic", topic, "one", id != "", "published", n)
	http.Redirect(w, r, s.cfg.Prefix+"?replayed="+fmt.Sprint(n)+"#dead-letters", http.StatusSeeOther)
}
