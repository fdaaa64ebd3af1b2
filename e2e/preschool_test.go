package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webhook is a connector file for a webhook that takes JSON records and
// maps each listed property through unchanged.
func webhook(name, topic, tokenFile string, fields ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nkind: webhook\ntopic: %s\nconfig:\n  bearer_token_file: %q\nmapping:\n  fields:\n", name, topic, tokenFile)
	for _, f := range fields {
		fmt.Fprintf(&b, "    %s: 'has(row.%s) ? row.%s : null'\n", f, f, f)
	}
	return []byte(b.String())
}

// post sends v as JSON to a webhook and fails the test unless it is taken.
func post(t *testing.T, c *http.Client, u, token string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var code int
	waitFor(t, 60*time.Second, "POST "+u, func() bool {
		req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		code = resp.StatusCode
		// 404 until the connector has mounted its webhook; 503 while the
		// bus is not reachable yet.
		return code != http.StatusNotFound && code != http.StatusServiceUnavailable
	})
	if code != http.StatusAccepted {
		t.Fatalf("POST %s: %d", u, code)
	}
}

func uuid() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// A preschool application from the e-service (its webhook) gets its routine
// steps done by the preschool rules, and the case page, signed in as the
// demo caseworker anna, shows each with its rule, version and motivering.
func TestPreschoolApplicationStepsAreAutomatedAndShownOnTheCasePage(t *testing.T) {
	t.Parallel()
	wd := t.TempDir()
	token := filepath.Join(wd, "webhook-token")
	writeFile(t, token, []byte("e2e-webhook-token\n"))
	conns := filepath.Join(wd, "connectors")
	writeFile(t, filepath.Join(conns, "e-service-applications.yaml"), webhook("e-service-applications", "school.preschool-application.v1", token,
		"application_id", "submitted_at", "kind", "child_personnummer", "guardian_personnummer", "guardian_email",
		"desired_start_date", "preferred_unit_ids", "hours_per_week"))
	writeFile(t, filepath.Join(conns, "e-service-cases.yaml"), webhook("e-service-cases", "cases.case-opened.v1", token,
		"case_id", "case_type", "case_type_version", "opened_at", "org_unit_id", "reference_number", "subject_ref", "deadline"))
	writeFile(t, filepath.Join(conns, "population-register.yaml"), webhook("population-register", "population.resident-moved-in.v1", token,
		"register_event_id", "personnummer", "birth_date", "moved_in_on", "municipality_code"))
	// The worked example of the preschool rules (services/automation/rules).
	rules := filepath.Join(repo(t), "services", "automation", "rules", "testdata", "examples", "preschool")
	env := map[string]string{
		"CIVICBUS_CONNECTORS_DIR": conns,
		"CIVICBUS_DATASETS_DIR":   filepath.Join(wd, "no-datasets"),
		"CIVICBUS_RULES_DIR":      rules,
		"CIVICBUS_CASEWORK_USERS": filepath.Join(repo(t), "demo", "casework-users.yaml"),
	}
	p := start(t, wd, env, append([]string{"run"}, freePorts...)...)
	base := p.base(t)
	c := client(t)

	// The child is in the population register (a made-up personnummer whose
	// check digit is wrong, so it is nobody's), then the e-service opens the
	// case and sends the application.
	const child = "20230314-4569"
	post(t, c, base+"/api/ingest/population-register", "e2e-webhook-token", map[string]any{
		"register_event_id": "navet-e2e-1", "personnummer": child, "birth_date": "2023-03-14",
		"moved_in_on": "2023-03-20", "municipality_code": "1980"})
	id := uuid()
	now := time.Now().UTC()
	post(t, c, base+"/api/ingest/e-service-cases", "e2e-webhook-token", map[string]any{
		"case_id": id, "case_type": "preschool-placement", "case_type_version": 1,
		"opened_at": now.Format(time.RFC3339), "org_unit_id": "forskoleplacering", "reference_number": "BUN 2026/E2E",
		"subject_ref": "school.preschool-application/" + id, "deadline": now.AddDate(0, 4, 0).Format(time.DateOnly)})
	sent := time.Now()
	post(t, c, base+"/api/ingest/e-service-applications", "e2e-webhook-token", map[string]any{
		"application_id": id, "submitted_at": now.Format(time.RFC3339), "kind": "new", "child_personnummer": child,
		"guardian_personnummer": "19900101-1235", "guardian_email": "vardnadshavare@example.se",
		"desired_start_date": now.AddDate(0, 5, 0).Format(time.DateOnly),
		"preferred_unit_ids": []string{"forskola-haga", "forskola-backby"}, "hours_per_week": 40})

	anna := signIn(t, base, "/casework/", url.Values{"username": {"anna"}, "password": {"demo-anna"}})
	type decision struct {
		StepID     string `json:"step_id"`
		Outcome    string `json:"outcome"`
		Motivering string `json:"motivering"`
		Automated  bool   `json:"automated"`
		DecidedBy  struct {
			Kind    string `json:"kind"`
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"decided_by"`
	}
	var doc struct {
		Case struct {
			Automated int `json:"automated_steps"`
		} `json:"case"`
		Decisions []decision `json:"decisions"`
	}
	byStep := map[string]decision{}
	waitFor(t, 60*time.Second, "the automated steps on the case", func() bool {
		if !getJSON(t, anna, base+"/casework/api/cases/"+id, &doc) {
			return false
		}
		for _, d := range doc.Decisions {
			byStep[d.StepID] = d
		}
		_, ok1 := byStep["completeness-check"]
		_, ok2 := byStep["residency-check"]
		_, ok3 := byStep["age-check"]
		return ok1 && ok2 && ok3
	})
	t.Logf("decisions on the case %s after the application: %d", time.Since(sent).Round(time.Millisecond), len(doc.Decisions))

	for step, rule := range map[string]string{"completeness-check": "preschool-completeness", "residency-check": "preschool-residency", "age-check": "preschool-age"} {
		d := byStep[step]
		if !d.Automated || d.DecidedBy.Kind != "rule" || d.DecidedBy.ID != rule || d.DecidedBy.Version == "" || d.Motivering == "" {
			t.Errorf("%s: %+v, want an automated decision by rule %s with a version and a motivering", step, d, rule)
		}
		t.Logf("%s: %s by %s v%s", step, d.Outcome, d.DecidedBy.ID, d.DecidedBy.Version)
	}
	if d := byStep["completeness-check"]; d.Outcome != "completed" {
		t.Errorf("completeness-check: %s, want completed (the application is complete)", d.Outcome)
	}

	// The case page, as anna sees it, shows each automated step with its
	// rule, version and motivering.
	code, page := get(anna, base+"/casework/cases/"+id)
	if code != http.StatusOK {
		t.Fatalf("case page: %d\n%.500s", code, page)
	}
	text := html.UnescapeString(page)
	for _, d := range byStep {
		for _, want := range []string{d.DecidedBy.ID, d.DecidedBy.Version, firstWords(d.Motivering, 6)} {
			if !strings.Contains(text, want) {
				t.Errorf("the case page lacks %q (step %s)", want, d.StepID)
			}
		}
	}
	// Another unit's caseworker does not see the case.
	bo := signIn(t, base, "/casework/", url.Values{"username": {"bo"}, "password": {"demo-bo"}})
	if code, _ := get(bo, base+"/casework/api/cases/"+id); code == http.StatusOK {
		t.Error("bo (hemtjänst) sees a preschool case")
	}
}

// firstWords is the first n words of s, as one space-separated string.
func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}
