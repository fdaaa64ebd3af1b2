package casework

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html templates/casework.css templates/live.js
var templateFS embed.FS

var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"login.html", "inbox.html", "case.html", "audit.html", "supervisor.html", "message.html", "signedin.html"} {
		m[name] = template.Must(template.New(name).Funcs(template.FuncMap{
			"time":       func(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") },
			"actor":      actorText,
			"outcome":    outcomeText,
			"kind":       kindText,
			"pct":        formatPct,
			"role":       roleText,
			"resolution": resolutionText,
		}).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name))
	}
	return m
}()

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

// view is what every template gets.
type view struct {
	Title   string
	Prefix  string
	User    *User
	CSRF    string
	Message string
	Data    any
}

// render writes a page; a template error is answered 500 without a half
// page.
func (s *Service) render(w http.ResponseWriter, status int, name string, v view) {
	v.Prefix = s.cfg.Prefix
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
		s.cfg.Logger.Error("casework: render", "template", name, "err", err)
		http.Error(w, "Något gick fel.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Service) viewFor(sess *session, title string, data any) view {
	return view{Title: title, User: sess.user, CSRF: sess.csrf, Data: data}
}

func handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	http.ServeFileFS(w, r, templateFS, "templates/casework.css")
}

func handleScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	http.ServeFileFS(w, r, templateFS, "templates/live.js")
}

func (s *Service) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	token := randomToken()
	http.SetCookie(w, s.cookie(loginCookie, token, 3600))
	s.render(w, http.StatusOK, "login.html", view{Title: "Logga in", CSRF: token, Data: s.oidc != nil})
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.refuse(w, r, http.StatusForbidden, "Inloggningsformuläret saknar giltig säkerhetstoken (CSRF). Ladda om sidan och försök igen.", "sign-in csrf token missing or wrong")
		return
	}
	keys := lockKeys(r, r.PostFormValue("username"))
	if wait := s.signIns.locked(time.Now(), keys); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		s.refuse(w, r, http.StatusTooManyRequests, "För många misslyckade inloggningar. Vänta en stund och försök igen.", "sign-in locked out after failed attempts")
		return
	}
	u := s.cfg.Users.Authenticate(r.PostFormValue("username"), r.PostFormValue("password"))
	if u == nil {
		s.signIns.failed(time.Now(), keys)
		s.cfg.Logger.Warn("casework: sign-in refused", "reason", "unknown user or wrong password")
		token := randomToken()
		http.SetCookie(w, s.cookie(loginCookie, token, 3600))
		s.render(w, http.StatusUnauthorized, "login.html", view{Title: "Logga in", CSRF: token, Message: "Fel användarnamn eller lösenord.", Data: s.oidc != nil})
		return
	}
	s.signIns.succeeded(keys)
	http.SetCookie(w, s.cookie(loginCookie, "", -1))
	if err := s.startSession(w, r, u, false); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "start session", err)
		return
	}
	http.Redirect(w, r, s.cfg.Prefix, http.StatusSeeOther)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := s.endSession(r.Context(), w, r); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "end session", err)
		return
	}
	if sess.oidc && s.oidc != nil {
		if to, ok := s.oidc.endSessionURL(r.Context()); ok {
			http.Redirect(w, r, to, http.StatusSeeOther) // the provider's session ends too
			return
		}
	}
	http.Redirect(w, r, s.cfg.Prefix+"login", http.StatusSeeOther)
}

// inbox is the inbox page's data.
type inbox struct {
	Cases  []Case
	Rows   []template.HTML // the cases' table rows, by inboxRow
	Types  []typeOption    // the case types of the user's units, for the filter
	Filter Filter
	Mine   bool
	Next   string // the next page's URL, "" on the last page
}

func (s *Service) handleInbox(w http.ResponseWriter, r *http.Request, sess *session) {
	f := filter(r, sess.user)
	cs, next, err := s.store.cases(r.Context(), f)
	if errors.Is(err, errBadCursor) {
		s.refuse(w, r, http.StatusBadRequest, "Sidan finns inte. Börja om från inkorgens första sida.", "bad page cursor")
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "list cases", err)
		return
	}
	var nextURL string
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		nextURL = s.cfg.Prefix + "?" + q.Encode()
	}
	types, err := s.store.caseTypes(r.Context(), f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read case types", err)
		return
	}
	if f.CaseType != "" && !slices.Contains(types, f.CaseType) {
		types = append(types, f.CaseType) // asked for in the address: shown as chosen
	}
	rows := make([]template.HTML, len(cs))
	for i, c := range cs {
		rows[i] = inboxRow(s.cfg.Prefix, s.titled(c))
	}
	opts := make([]typeOption, len(types))
	for i, ct := range types {
		opts[i] = typeOption{ID: ct, Title: s.typeTitle(ct)}
	}
	s.render(w, http.StatusOK, "inbox.html", s.viewFor(sess, "Inkorg", inbox{Cases: cs, Rows: rows, Types: opts, Filter: f, Mine: f.Assignee != "", Next: nextURL}))
}

// typeOption is a case type in the inbox's filter.
type typeOption struct{ ID, Title string }

// inboxRow is c's row in the inbox table. It is written here rather than
// in the template because a template action costs a reflective call per
// field and escaper (two thirds of an inbox page's time, 550 calls for 50
// rows); every value is HTML-escaped here and the case id path-escaped,
// which TestInboxRowEscapes holds against the template it replaces.
func inboxRow(prefix string, c Case) template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	b.Grow(512)
	label := c.ReferenceNumber
	if label == "" {
		label = c.ID
	}
	b.WriteString(`<tr>` + "\n" + `<th scope="row"><a href="`)
	b.WriteString(esc(prefix + "cases/" + url.PathEscape(c.ID)))
	b.WriteString(`">` + esc(label) + `</a></th>` + "\n")
	typ := c.TypeTitle
	if typ == "" {
		typ = c.Type
	}
	for _, v := range []string{typ, c.Unit, c.OpenedAt.In(stockholm).Format("2006-01-02 15:04"), c.Deadline} {
		b.WriteString(`<td>` + esc(v) + `</td>`)
	}
	b.WriteString("\n<td>")
	if c.Status == StatusOpen {
		b.WriteString("Öppet")
	} else {
		b.WriteString("Avslutat (" + esc(resolutionText(c.Resolution)) + ")")
	}
	b.WriteString("</td>\n<td>" + strconv.Itoa(c.Automated) + "</td><td>" + strconv.Itoa(c.Referred) + "</td><td>" + esc(c.Assignee) + "</td>\n</tr>")
	return template.HTML(b.String())
}

// supervisorPage is the supervisor view's data.
type supervisorPage struct {
	Stats     []RuleStats
	Charts    []chart
	Threshold float64
	Minimum   int // automated decisions a week needs to be highlighted
	Weeks     int
}

// The chart's axes, for the template.
func (supervisorPage) PlotL() int { return plotL }
func (supervisorPage) PlotR() int { return chartW - plotR }
func (supervisorPage) AxisX() int { return plotL - 4 }
func (supervisorPage) WeekY() int { return chartH - plotB + 16 }

// casePage is the case page's data.
type casePage struct {
	Case     Case
	Timeline []timelineItem
	Users    []*User // whom the case can be assigned to
}

// timelineItem is an entry with its decision content read out.
type timelineItem struct {
	Entry
	StepTitle string // the step's title, or its id
	Decision  *decisionView
	Text      string // a comment's text, an assignment's assignee
}

// decisionView is what a decision record states, recorded or amended.
type decisionView struct {
	DecisionID       string           `json:"decision_id"`
	AmendsDecisionID string           `json:"amends_decision_id"`
	Outcome          string           `json:"outcome"`
	Result           string           `json:"result"`
	Motivering       string           `json:"motivering"`
	LegalBasis       []string         `json:"legal_basis"`
	DelegationRef    string           `json:"delegation_ref"`
	Confidence       *float64         `json:"confidence"`
	Reason           string           `json:"reason"`
	Inputs           []map[string]any `json:"inputs"`
	Fields           map[string]any   `json:"fields"`
	Amendments       []string         `json:"-"` // ids of records that amend this one
	Confirmed        []string         `json:"-"` // who confirmed it
}

// ConfidenceText is the confidence as a decimal, or "".
func (d decisionView) ConfidenceText() string {
	if d.Confidence == nil {
		return ""
	}
	return strings.Replace(fmt.Sprintf("%.2f", *d.Confidence), ".", ",", 1)
}

// InputValue shows an input's value as JSON, or its reference.
func (d decisionView) InputValue(in map[string]any) string {
	if v, ok := in["value"]; ok {
		b, _ := json.Marshal(v)
		return string(b)
	}
	if ref, ok := in["ref"].(string); ok {
		return "hämtat från " + ref
	}
	return ""
}

// items reads the decision content out of a timeline and links each
// decision to the records that amend it and the people who confirmed it.
func items(tl []Entry) []timelineItem {
	out := make([]timelineItem, 0, len(tl))
	byID := map[string]*decisionView{}
	for _, e := range tl {
		it := timelineItem{Entry: e}
		switch e.Kind {
		case KindDecision, KindAmended:
			var d decisionView
			if json.Unmarshal(e.Body, &d) == nil {
				it.Decision = &d
				byID[d.DecisionID] = &d
			}
		case KindComment, KindAssigned:
			var b struct{ Text, Assignee string }
			_ = json.Unmarshal(e.Body, &b)
			it.Text = b.Text + b.Assignee
		}
		out = append(out, it)
	}
	for _, it := range out {
		if d := it.Decision; d != nil && byID[d.AmendsDecisionID] != nil {
			byID[d.AmendsDecisionID].Amendments = append(byID[d.AmendsDecisionID].Amendments, d.DecisionID)
		}
		if it.Kind == KindConfirmed && byID[it.DecisionID] != nil {
			byID[it.DecisionID].Confirmed = append(byID[it.DecisionID].Confirmed, it.ActorID)
		}
	}
	return out
}

func (s *Service) handleCase(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.openCase(w, r, sess, "page")
	if !ok {
		return
	}
	s.renderCase(w, r, sess, c, "case.html", "Ärende")
}

func (s *Service) handleAudit(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.openCase(w, r, sess, "audit")
	if !ok {
		return
	}
	s.renderCase(w, r, sess, c, "audit.html", "Beslutshistorik")
}

func (s *Service) renderCase(w http.ResponseWriter, r *http.Request, sess *session, c Case, name, title string) {
	tl, err := s.store.timeline(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read timeline", err)
		return
	}
	users, err := s.assignable(r.Context(), c.Unit)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read users", err)
		return
	}
	its := items(tl)
	for i := range its {
		if its[i].StepID != "" {
			its[i].StepTitle = s.stepTitle(c.Type, its[i].StepID)
		}
	}
	s.render(w, http.StatusOK, name, s.viewFor(sess, heading(title, c), casePage{Case: c, Timeline: its, Users: users}))
}

func (s *Service) handleAuditJSON(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.openCase(w, r, sess, "audit-export")
	if !ok {
		return
	}
	doc, err := s.caseDoc(r.Context(), c)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", "read case", err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="beslutshistorik-`+c.ID+`.json"`)
	writeJSON(w, http.StatusOK, map[string]any{"exported_at": time.Now().UTC(), "exported_by": sess.user.Username,
		"case": doc.Case, "decisions": doc.Decisions, "timeline": doc.Timeline})
}

func (s *Service) handleSupervisor(w http.ResponseWriter, r *http.Request, sess *session) {
	if sess.user.Role == RoleCaseworker {
		s.refuse(w, r, http.StatusForbidden, "Översikten är till för arbetsledare och administratörer.", "supervisor view for a caseworker")
		return
	}
	days, err := s.store.ruleDays(r.Context(), filter(r, sess.user))
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "statistics", err)
		return
	}
	s.render(w, http.StatusOK, "supervisor.html", s.viewFor(sess, "Automatiseringens utfall", supervisorPage{Stats: stats(days),
		Charts: charts(trends(days, s.cfg.OverrideAlert), s.cfg.OverrideAlert), Threshold: s.cfg.OverrideAlert, Minimum: alertMinimum, Weeks: TrendWeeks}))
}
