package casework

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
)

// replica runs a second casework service on conn with a store and a
// consumer group of its own, until the test ends.
func replica(t *testing.T, conn bus.Connection, group string) *Service {
	t.Helper()
	s, err := New(context.Background(), Config{Conn: conn, DB: filepath.Join(t.TempDir(), "replica.db"), Users: demoUsers(t), Group: group})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		s.Close()
	})
	return s
}

// kinds counts a timeline's entries by kind.
func kinds(tl []Entry) map[string]int {
	m := map[string]int{}
	for _, e := range tl {
		m[e.Kind]++
	}
	return m
}

// TestEntriesTravelOnTheBus: a caseworker's confirmation, comment,
// assignment and override are published as cases.step-confirmed.v1,
// cases.comment-added.v1, cases.case-assigned.v1 and
// cases.decision-amended.v1; a replica with a store of its own projects
// them (its router checks each against its contract) with the same
// timeline and assignee; the service that published them applies each
// once although the bus brings it back; and the audit export holds them.
func TestEntriesTravelOnTheBus(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		w := newWeb(t, dsn)
		other := replica(t, w.conn, "casework-replica")
		ctx := context.Background()
		anna := w.login(t, "anna")
		base := "/casework/cases/" + uid(100)
		comment := "Ringde vårdnadshavaren <b>Kalle</b>; kompletterar."
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/comment", url.Values{"text": {comment}}},
			{"/confirm", url.Values{"decision_id": {uid(102)}}},
			{"/assign", url.Values{"assignee": {"anna"}}},
			{"/override", url.Values{"decision_id": {uid(104)}, "outcome": {"completed"}, "result": {"placement-proposed"}, "reason": {"Syskonförtur."}}},
		} {
			if st, _ := anna.post(base+step.path, step.form); st != http.StatusOK {
				t.Fatalf("%s: %d", step.path, st)
			}
		}
		want := map[string]int{KindOpened: 1, KindDecision: 2, KindStep: 1, KindComment: 1, KindConfirmed: 1, KindAssigned: 1, KindAmended: 1}
		waitFor(t, "the replica's timeline", func() bool {
			tl, _ := other.store.timeline(ctx, uid(100))
			return len(tl) == 8
		})
		mine, _ := w.s.store.timeline(ctx, uid(100))
		theirs, _ := other.store.timeline(ctx, uid(100))
		if k := kinds(theirs); !maps.Equal(k, want) {
			t.Errorf("the replica's timeline: %v, want %v", k, want)
		}
		for i := range mine {
			if i >= len(theirs) || mine[i].ID != theirs[i].ID || mine[i].Kind != theirs[i].Kind || mine[i].ActorID != theirs[i].ActorID ||
				mine[i].DecisionID != theirs[i].DecisionID || !mine[i].At.Equal(theirs[i].At) {
				t.Errorf("entry %d differs between the replicas:\n%+v\n%+v", i, mine[i], theirs[i])
			}
		}
		if c, err := other.store.caseByID(ctx, uid(100)); err != nil || c.Assignee != "anna" || c.Referred != 1 {
			t.Errorf("the replica's case: %+v (%v)", c, err)
		}
		for _, e := range theirs {
			if e.Kind == KindConfirmed && (e.DecisionID != uid(102) || e.StepID != "residency-check" || e.ActorID != "anna") {
				t.Errorf("confirmation entry: %+v", e)
			}
		}

		// The publisher's own copies come back: markers sent after them on
		// each topic's partition of the case show that they have been
		// read, and changed nothing. The marker assignment is older than
		// anna's, so the assignee stays hers.
		pub := checkedPublisher(t, w.conn)
		defer pub.Close()
		long := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
		bob := schemas.Actor{Kind: schemas.ActorPerson, ID: "cecilia"}
		markers := []event{
			{TopicCommentAdded, uid(191), schemas.CommentAdded{CommentID: uid(191), CaseID: uid(100), CaseType: "preschool-placement", AddedAt: long, AddedBy: bob, Text: "markör"}},
			{TopicStepConfirmed, uid(192), schemas.StepConfirmed{ConfirmationID: uid(192), CaseID: uid(100), CaseType: "preschool-placement", DecisionID: uid(104), ConfirmedAt: long, ConfirmedBy: bob}},
			{TopicCaseAssigned, uid(193), schemas.CaseAssigned{AssignmentID: uid(193), CaseID: uid(100), CaseType: "preschool-placement", AssignedAt: long, AssignedBy: bob, Assignee: "cecilia"}},
			{TopicDecisionAmended, uid(194), schemas.DecisionAmended{DecisionID: uid(194), AmendsDecisionID: uid(102), CaseID: uid(100), CaseType: "preschool-placement",
				StepID: "residency-check", AmendedAt: long, AmendedBy: bob, Reason: "markör",
				DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Motivering: "markör", LegalBasis: []string{"Skollagen (2010:800) 8 kap. 14 §"}, DelegationRef: "x"}}},
		}
		for _, e := range markers {
			js, _ := json.Marshal(e.body)
			m := message.NewMessage(e.id, js)
			m.Metadata.Set(bus.MetadataPartitionKey, uid(100))
			if err := pub.Publish(e.topic, m); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the markers", func() bool {
			tl, _ := w.s.store.timeline(ctx, uid(100))
			return len(tl) >= 12
		})
		mine, _ = w.s.store.timeline(ctx, uid(100))
		for k, n := range want {
			if k == KindComment || k == KindConfirmed || k == KindAssigned || k == KindAmended {
				want[k] = n + 1
			}
		}
		if k := kinds(mine); len(mine) != 12 || !maps.Equal(k, want) {
			t.Errorf("the publisher's timeline after its copies came back: %v, want %v", k, want)
		}
		if c, _ := w.s.store.caseByID(ctx, uid(100)); c.Assignee != "anna" {
			t.Errorf("an older assignment displaced a newer one: %q", c.Assignee)
		}

		var audit struct {
			Timeline []struct {
				Kind    string          `json:"kind"`
				ActorID string          `json:"actor_id"`
				Body    json.RawMessage `json:"body"`
			}
		}
		if st := anna.json(base+"/audit.json", &audit); st != http.StatusOK {
			t.Fatalf("audit export: %d", st)
		}
		var kindsInAudit []string
		for _, e := range audit.Timeline {
			kindsInAudit = append(kindsInAudit, e.Kind)
			if e.Kind == KindComment && strings.Contains(string(e.Body), "Kalle") {
				var c schemas.CommentAdded
				if json.Unmarshal(e.Body, &c) != nil || c.Text != comment || c.AddedBy.ID != "anna" {
					t.Errorf("the comment in the audit export: %s", e.Body)
				}
			}
		}
		for _, k := range []string{KindComment, KindConfirmed, KindAssigned, KindAmended} {
			if !slices.Contains(kindsInAudit, k) {
				t.Errorf("the audit export lacks %s: %v", k, kindsInAudit)
			}
		}
		if _, page := anna.get(base + "/audit"); !strings.Contains(page, "Bekräftar beslut "+uid(102)) || !strings.Contains(page, "&lt;b&gt;Kalle&lt;/b&gt;") {
			t.Error("the printable audit lacks the confirmation or the escaped comment")
		}
		if _, page := anna.get(base); strings.Contains(page, "<b>Kalle</b>") || !strings.Contains(page, "&lt;b&gt;Kalle&lt;/b&gt;") {
			t.Error("the comment is not escaped on the case page")
		}
	})
}

// TestCareAlarmAcknowledged: a care-alarm case, shown like any case type
// (the inbox's filter offers the case types of the user's units);
// acknowledging the alarm is confirming its step's decision, which goes on
// the bus as cases.step-confirmed.v1 of that case type.
func TestCareAlarmAcknowledged(t *testing.T) {
	w := newWeb(t, filepath.Join(t.TempDir(), "c.db"))
	other := replica(t, w.conn, "casework-replica")
	at := time.Date(2026, 11, 20, 3, 12, 0, 0, time.UTC)
	caseID, decID := uid(900), uid(901)
	publish(t, w.conn, []event{
		{TopicCaseOpened, uid(902), schemas.CaseOpened{CaseID: caseID, CaseType: "care-alarm", CaseTypeVersion: 1, OpenedAt: at, OrgUnitID: "hemtjanst",
			SubjectRef: "care.alarm/5b2e8f1a-0c4d-4e7b-9f36-a1d2c3b4e5f6"}},
		{TopicDecision, decID, schemas.DecisionRecorded{DecisionID: decID, CaseID: caseID, CaseType: "care-alarm", StepID: "alarm-triage", DecidedAt: at,
			Automated: true, DecidedBy: schemas.Actor{Kind: schemas.ActorModel, ID: "resident-routine", Version: "1.0.0"}, Inputs: []schemas.DecisionInput{},
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeReferred, Result: "long-inactivity",
				Motivering: "Ingen aktivitet sedan 23:40; normalt rör sig personen varje timme.", LegalBasis: []string{"Socialtjänstlagen (2001:453) 4 kap. 1 §"},
				DelegationRef: "VOF delegationsordning punkt 2.1"}}},
	})
	waitFor(t, "the alarm case", func() bool { tl, _ := w.s.store.timeline(context.Background(), caseID); return len(tl) == 2 })
	bo := w.login(t, "bo")
	if st, page := bo.get("/casework/?case_type=care-alarm"); st != 200 || !strings.Contains(page, `<option value="care-alarm" selected>care-alarm</option>`) ||
		!strings.Contains(page, `<option value="preschool-placement">`) || strings.Contains(page, "BUN 2024/00123") {
		t.Fatalf("bo's care-alarm inbox: %d\n%s", st, page)
	}
	if _, page := w.login(t, "anna").get("/casework/"); strings.Contains(page, `value="care-alarm"`) {
		t.Error("anna's filter offers another unit's case type")
	}
	if st, page := bo.post("/casework/cases/"+caseID+"/confirm", url.Values{"decision_id": {decID}}); st != http.StatusOK || !strings.Contains(page, "Beslut bekräftat") ||
		!strings.Contains(page, "Bekräftat av</dt><dd>bo") {
		t.Fatalf("acknowledge: %d", st)
	}
	waitFor(t, "the acknowledgement at the replica", func() bool {
		tl, _ := other.store.timeline(context.Background(), caseID)
		return len(tl) == 3 && tl[2].Kind == KindConfirmed && tl[2].ActorID == "bo" && tl[2].StepID == "alarm-triage"
	})
}
