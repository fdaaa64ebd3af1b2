package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// event is one case event of a fixture, with its CloudEvents id.
type event struct {
	topic, id string
	body      any
}

func uid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// caseEvents is a preschool case of unit: opened, residency checked by a
// rule (completed, with its step), placement referred by a model, closed
// when closed is set. Case n's ids are derived from n.
func caseEvents(n int, unit string, closed bool) []event {
	at := time.Date(2024, 3, 4, 19, 42, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	caseID := uid(n * 100)
	conf := 0.62
	evs := []event{
		{TopicCaseOpened, uid(n*100 + 1), schemas.CaseOpened{CaseID: caseID, CaseType: "preschool-placement", CaseTypeVersion: 1,
			OpenedAt: at, OrgUnitID: unit, ReferenceNumber: "BUN 2024/00123", SubjectRef: "school.preschool-application/app-" + fmt.Sprint(n),
			Deadline: "2024-07-04"}},
		{TopicDecision, uid(n*100 + 2), schemas.DecisionRecorded{DecisionID: uid(n*100 + 2), CaseID: caseID, CaseType: "preschool-placement",
			StepID: "residency-check", DecidedAt: at.Add(time.Second), Automated: true,
			DecidedBy: schemas.Actor{Kind: schemas.ActorRule, ID: "preschool-residency-check", Version: "3"},
			Inputs:    []schemas.DecisionInput{{Name: "child.municipality_code", Value: "1980"}, {Name: "child.record", Ref: "population.resident-moved-in/navet-2024-1"}},
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Result: "residency-confirmed",
				Motivering: "Barnet är folkbokfört i Västerås kommun.", LegalBasis: []string{"Skollagen (2010:800) 8 kap. 14 §", "Förvaltningslagen (2017:900) 28 §"},
				DelegationRef: "BUN delegationsordning 2024 punkt 3.4"}}},
		{TopicStepCompleted, uid(n*100 + 3), schemas.StepCompleted{CaseID: caseID, CaseType: "preschool-placement", StepID: "residency-check",
			CompletedAt: at.Add(time.Second), CompletedBy: schemas.Actor{Kind: schemas.ActorRule, ID: "preschool-residency-check", Version: "3"},
			Automated: true, DecisionID: uid(n*100 + 2)}},
		{TopicDecision, uid(n*100 + 4), schemas.DecisionRecorded{DecisionID: uid(n*100 + 4), CaseID: caseID, CaseType: "preschool-placement",
			StepID: "placement-proposal", DecidedAt: at.Add(2 * time.Second), Automated: true,
			DecidedBy: schemas.Actor{Kind: schemas.ActorModel, ID: "placement-model", Version: "1.2.0"},
			Inputs:    []schemas.DecisionInput{{Name: "wished_units", Value: []string{"haga"}}},
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeReferred, Motivering: "Modellen är inte säker nog; en handläggare tar över.",
				LegalBasis: []string{"Skollagen (2010:800) 8 kap. 15 §"}, DelegationRef: "BUN delegationsordning 2024 punkt 3.5", Confidence: &conf}}},
	}
	if closed {
		evs = append(evs, event{TopicCaseClosed, uid(n*100 + 5), schemas.CaseClosed{CaseID: caseID, CaseType: "preschool-placement",
			ClosedAt: at.Add(time.Hour), Resolution: schemas.ResolutionGranted, FinalDecisionID: uid(n*100 + 2)}})
	}
	return evs
}

// publish publishes evs through a checked publisher, so a fixture that
// breaks its contract fails the test.
func publish(t testing.TB, conn bus.Connection, evs []event) {
	t.Helper()
	pub := checkedPublisher(t, conn)
	defer pub.Close()
	for _, e := range evs {
		send(t, pub, e)
	}
}

// checkedPublisher is a publisher that checks every event against its
// contract.
func checkedPublisher(t testing.TB, conn bus.Connection) message.Publisher {
	t.Helper()
	raw, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewCheckedPublisher(raw, ct)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// send publishes e on pub.
func send(t testing.TB, pub message.Publisher, e event) {
	t.Helper()
	js, err := json.Marshal(e.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(e.topic, message.NewMessage(e.id, js)); err != nil {
		t.Fatalf("publish %s: %v", e.topic, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func demoUsers(t testing.TB) Users {
	t.Helper()
	us, err := LoadUsers(filepath.Join("testdata", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// databases runs fn on SQLite and on PostgreSQL (skipped when absent).
func databases(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "casework.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, testenv.PostgresDSN(t)) })
}

// start runs a service on a fresh broker and dsn, its Config changed by
// opts, until the test ends.
func start(t testing.TB, dsn string, opts ...func(*Config)) (*Service, bus.Connection) {
	t.Helper()
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	cfg := Config{Conn: conn, DB: dsn, Users: demoUsers(t)}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := New(context.Background(), cfg)
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
	return s, conn
}
