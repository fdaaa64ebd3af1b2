package automation

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
)

// TestRulesWaitForTheRegister: 4,000 register notices of other people and
// then 300 children's, then the children's preschool applications, are on
// the bus before the service starts, so it consumes both backlogs side by
// side: the notices from one partition, one at a time, the applications
// (the last child's first) from eight. Every residency check is
// decided on the register as of its application — each child a resident,
// each check completed — not referred because the application was handled
// before its child's notice was projected.
func TestRulesWaitForTheRegister(t *testing.T) {
	const n = 300
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	ids, notices := make([]string, n), make([]any, n)
	appIDs, apps := make([]string, n), make([]any, n)
	for i := range n {
		pnr := fmt.Sprintf("20230314-%04d", i)
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		notices[i] = map[string]any{"register_event_id": fmt.Sprintf("navet-%06d", i), "personnummer": pnr,
			"birth_date": "2023-03-14", "moved_in_on": "2023-03-20", "municipality_code": "1980"}
		appIDs[i] = fmt.Sprintf("00000000-0000-4000-9000-%012d", i)
		apps[i] = map[string]any{
			"application_id": fmt.Sprintf("0b8e2f4c-3d1a-4f6e-9a57-%012d", i), "submitted_at": "2026-03-02T08:59:30+01:00", "kind": "new",
			"child_personnummer": pnr, "guardian_email": "vardnadshavare@example.se",
			"desired_start_date": "2026-08-17", "preferred_unit_ids": []string{"forskola-haga"}, "hours_per_week": 40,
		}
	}
	var others []any
	var otherIDs []string
	for i := range 4000 {
		otherIDs = append(otherIDs, fmt.Sprintf("00000000-0000-4000-a000-%012d", i))
		others = append(others, map[string]any{"register_event_id": fmt.Sprintf("navet-x%06d", i), "personnummer": fmt.Sprintf("19500101-%04d", i),
			"birth_date": "1950-01-01", "moved_in_on": "2020-01-01", "municipality_code": "1980"})
	}
	publish(t, conn, "population.resident-moved-in.v1", append(otherIDs, ids...), append(others, notices...))
	slices.Reverse(appIDs)
	slices.Reverse(apps)
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i, a := range apps {
		js, _ := json.Marshal(a)
		m := message.NewMessage(appIDs[i], js)
		m.Metadata.Set(bus.MetadataPartitionKey, a.(map[string]any)["application_id"].(string))
		msgs = append(msgs, m)
	}
	if err := pub.Publish(TopicApplication, msgs...); err != nil {
		t.Fatal(err)
	}
	decisions := collect(t, conn, TopicDecision)
	_, stop := startService(t, Config{RulesDir: filepath.Join("rules", "testdata", "examples", "preschool"), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db")})
	defer stop()
	residency := func() (completed, referred int) {
		for _, m := range decisions.distinct() {
			var d schemas.DecisionRecorded
			json.Unmarshal(m.Payload, &d)
			if d.StepID != "residency-check" {
				continue
			}
			if d.Outcome == schemas.OutcomeCompleted {
				completed++
			} else {
				referred++
			}
		}
		return
	}
	waitFor(t, "every residency check", func() bool { c, r := residency(); return c+r >= n })
	if c, r := residency(); r != 0 || c != n {
		t.Errorf("%d residency checks completed, %d referred; want all %d completed", c, r, n)
	}
}
