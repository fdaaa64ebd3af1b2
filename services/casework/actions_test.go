package casework

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// amendments reads cases.decision-amended.v1 from its start, checking each
// event against its contract.
func amendments(t *testing.T, conn bus.Connection) func() []schemas.DecisionAmended {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); sub.Close() })
	ch, err := sub.Subscribe(ctx, TopicDecisionAmended)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []schemas.DecisionAmended
	go func() {
		for m := range ch {
			if err := ct.Check(TopicDecisionAmended, m.Metadata.Get(bus.HeaderDataSchema), m.Payload); err != nil {
				t.Errorf("published amendment: %v", err)
			}
			var a schemas.DecisionAmended
			_ = json.Unmarshal(m.Payload, &a)
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
			m.Ack()
		}
	}()
	return func() []schemas.DecisionAmended {
		mu.Lock()
		defer mu.Unlock()
		return append([]schemas.DecisionAmended(nil), got...)
	}
}

// TestOverride: overriding an automated decision needs a reason, publishes
// a valid cases.decision-amended.v1 that points at the original, shows on
// the case page next to it, counts in the supervisor view, and is applied
// once although the bus delivers it back.
func TestOverride(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		w := newWeb(t, dsn)
		got := amendments(t, bus.Connection{Brokers: w.s.cfg.Conn.Brokers})
		anna := w.login(t, "anna")
		path := "/casework/cases/" + uid(100) + "/override"
		if st, body := anna.post(path, url.Values{"decision_id": {uid(102)}, "outcome": {"referred"}}); st != http.StatusBadRequest || !strings.Contains(body, "Skäl för ändringen måste anges") {
			t.Errorf("override without a reason: %d", st)
		}
		if st, _ := anna.post(path, url.Values{"decision_id": {uid(202)}, "outcome": {"referred"}, "reason": {"x"}}); st != http.StatusBadRequest {
			t.Errorf("override of another case's decision: %d", st)
		}
		st, body := anna.post(path, url.Values{"decision_id": {uid(102)}, "outcome": {"referred"},
			"reason": {"Vårdnadshavaren har visat att familjen flyttat från kommunen."}})
		if st != http.StatusOK || !strings.Contains(body, "Ändrat beslut") || !strings.Contains(body, "Ändrar beslut</dt><dd>"+uid(102)) ||
			!strings.Contains(body, "Ändrat av</dt><dd>") {
			t.Fatalf("override: %d", st)
		}
		waitFor(t, "the amendment on the bus", func() bool { return len(got()) == 1 })
		a := got()[0]
		if a.AmendsDecisionID != uid(102) || a.AmendedBy.ID != "anna" || a.StepID != "residency-check" || a.Outcome != schemas.OutcomeReferred ||
			a.DelegationRef != "BUN delegationsordning 2024 punkt 3.4" {
			t.Errorf("amendment = %+v", a)
		}
		waitFor(t, "the amendment delivered back", func() bool {
			var n int
			_ = w.s.store.db.QueryRow(w.s.store.db.Q(`SELECT COUNT(*) FROM casework_applied WHERE event_id = ?`), a.DecisionID).Scan(&n)
			return n == 1
		})
		ds, _ := w.s.store.decisions(context.Background(), uid(100))
		if len(ds) != 3 {
			t.Errorf("%d decision records, want 3 (the original two and the amendment)", len(ds))
		}
		_, sup := w.login(t, "cecilia").get("/casework/supervisor")
		if !strings.Contains(sup, "rule:preschool-residency-check@3</th><td>1</td><td>0</td><td>1</td><td>100,0 %") {
			t.Errorf("supervisor view does not count the override:\n%s", sup)
		}
		if st, _ := anna.get("/casework/supervisor"); st != http.StatusForbidden {
			t.Errorf("caseworker's supervisor view: %d", st)
		}
	})
}

// TestCommentAssignConfirm: comments are escaped, length-checked and
// required; assigning goes to a caseworker of the unit only and feeds
// "waiting for me"; a confirmation names who confirmed.
func TestCommentAssignConfirm(t *testing.T) {
	w := newWeb(t, t.TempDir()+"/c.db")
	anna := w.login(t, "anna")
	base := "/casework/cases/" + uid(100)
	st, body := anna.post(base+"/comment", url.Values{"text": {`<script>alert("x")</script> ring tillbaka`}})
	if st != http.StatusOK || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; ring tillbaka") {
		t.Errorf("comment with script: %d, escaped text not shown", st)
	}
	if st, body := anna.post(base+"/comment", url.Values{"text": {strings.Repeat("å", MaxComment+1)}}); st != http.StatusBadRequest || !strings.Contains(body, "för lång") {
		t.Errorf("over-long comment: %d", st)
	}
	if st, _ := anna.post(base+"/comment", url.Values{"text": {"  "}}); st != http.StatusBadRequest {
		t.Errorf("empty comment: %d", st)
	}
	if st, _ := anna.post(base+"/assign", url.Values{"assignee": {"bo"}}); st != http.StatusBadRequest {
		t.Errorf("assigned to another unit's caseworker: %d", st)
	}
	if st, _ := anna.post(base+"/assign", url.Values{"assignee": {"anna"}}); st != http.StatusOK {
		t.Errorf("assign: %d", st)
	}
	var mine struct{ Cases []Case }
	if anna.json("/casework/api/cases?mine=1", &mine); len(mine.Cases) != 1 || mine.Cases[0].Assignee != "anna" {
		t.Errorf("waiting for anna: %+v", mine.Cases)
	}
	if w.login(t, "cecilia").json("/casework/api/cases?mine=1", &mine); len(mine.Cases) != 0 {
		t.Errorf("waiting for cecilia: %+v", mine.Cases)
	}
	if st, body := anna.post(base+"/confirm", url.Values{"decision_id": {uid(104)}}); st != http.StatusOK || !strings.Contains(body, "Bekräftat av</dt><dd>anna") {
		t.Errorf("confirm: %d", st)
	}
	if st, _ := w.login(t, "david").post(base+"/confirm", url.Values{"decision_id": {uid(104)}}); st != http.StatusForbidden {
		t.Errorf("admin confirmed a decision: %d", st)
	}
}

// TestCasePageAndAudit: the case page marks automated steps and shows the
// rule or model, version, inputs, outcome, motivering and legal basis; the
// audit export holds every decision record as published.
func TestCasePageAndAudit(t *testing.T) {
	w := newWeb(t, t.TempDir()+"/c.db")
	anna := w.login(t, "anna")
	st, page := anna.get("/casework/cases/" + uid(100))
	if st != http.StatusOK {
		t.Fatalf("case page: %d", st)
	}
	for _, want := range []string{"Automatiserat", "regel preschool-residency-check version 3", "modell placement-model version 1.2.0",
		"child.municipality_code: &#34;1980&#34;", "hämtat från population.resident-moved-in/navet-2024-1", "Barnet är folkbokfört i Västerås kommun.",
		"Skollagen (2010:800) 8 kap. 14 §; Förvaltningslagen (2017:900) 28 §", "till handläggare", "0,62"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	st, audit := anna.get("/casework/cases/" + uid(100) + "/audit")
	if st != http.StatusOK || !strings.Contains(audit, "Beslutshistorik") || !strings.Contains(audit, "BUN delegationsordning 2024 punkt 3.5") {
		t.Errorf("printable audit: %d", st)
	}
	var exp struct {
		ExportedBy string `json:"exported_by"`
		Decisions  []schemas.DecisionRecorded
	}
	if st := anna.json("/casework/cases/"+uid(100)+"/audit.json", &exp); st != 200 || exp.ExportedBy != "anna" || len(exp.Decisions) != 2 ||
		exp.Decisions[0].Inputs[1].Ref != "population.resident-moved-in/navet-2024-1" {
		t.Errorf("audit export: %d %+v", st, exp)
	}
}
