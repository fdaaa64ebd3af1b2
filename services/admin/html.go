package admin

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

//go:embed templates/*.html templates/admin.css
var templateFS embed.FS

var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"login.html", "overview.html", "message.html"} {
		m[name] = template.Must(template.New(name).Funcs(template.FuncMap{
			"time":      formatTime,
			"rate":      func(r float64) string { return fmt.Sprintf("%.1f/s", r) },
			"stateName": stateName,
		}).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return m
}()

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(stockholm).Format("2006-01-02 15:04:05")
}

// stateNames are the connector states in Swedish and English.
var stateNames = map[connectors.State]string{
	connectors.StateStarting:   "startar / starting",
	connectors.StateConnecting: "ansluter / connecting",
	connectors.StateRunning:    "kör / running",
	connectors.StateBackoff:    "fel, väntar / backoff",
	connectors.StateFinished:   "klar / finished",
	connectors.StateStopped:    "stoppad / stopped",
	connectors.StateFailed:     "misslyckad / failed",
}

// stateName is a connector state as the page names it; an unknown one as
// it came.
func stateName(s connectors.State) string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return string(s)
}

// view is what every template gets.
type view struct {
	Prefix   string
	Title    string
	Error    string // login: why the last attempt failed
	Message  string // message: the text
	CSRF     string // a signed-in page: its forms' token
	Replayed string // overview: how many the last replay published
	Overview Overview
}

// render writes a page; a template error is a 500 without a half page.
func (s *Service) render(w http.ResponseWriter, status int, name string, v view) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.cfg.Logger.Error("admin: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// message answers a page with only a title and a text.
func (s *Service) message(w http.ResponseWriter, status int, title, text string) {
	s.render(w, status, "message.html", view{Prefix: s.cfg.Prefix, Title: title, Message: text})
}

// handleOverview shows every section; ?replayed=n, where a replay sends
// the browser, says how many it published (a number, or nothing is said).
func (s *Service) handleOverview(w http.ResponseWriter, r *http.Request, sess *session) {
	v := view{Prefix: s.cfg.Prefix, Title: "Systemägare / System owners", CSRF: sess.csrf, Overview: s.overview(r.Context())}
	if n, err := strconv.Atoi(r.URL.Query().Get("replayed")); err == nil && n >= 0 {
		v.Replayed = strconv.Itoa(n)
	}
	s.render(w, http.StatusOK, "overview.html", v)
}

func handleCSS(w http.ResponseWriter, _ *http.Request) {
	b, _ := templateFS.ReadFile("templates/admin.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(b)
}
