package casework

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
)

// TestBadEventDeadLettered: a case-opened event that breaks its contract
// (no org_unit_id, so no unit could ever see it) lands in the topic's dead
// letters and does not block the valid event behind it.
func TestBadEventDeadLettered(t *testing.T) {
	s, conn := start(t, t.TempDir()+"/c.db")
	raw, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	bad := message.NewMessage(uid(9001), []byte(`{"case_id":"`+uid(9000)+`","case_type":"preschool-placement","opened_at":"2024-03-04T19:42:11Z"}`))
	if err := raw.Publish(TopicCaseOpened, bad); err != nil {
		t.Fatal(err)
	}
	publish(t, conn, caseEvents(5, "forskoleplacering", false)[:1])
	waitFor(t, "the valid case behind the bad one", func() bool {
		_, err := s.store.caseByID(context.Background(), uid(500))
		return err == nil
	})
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch, err := sub.Subscribe(ctx, TopicCaseOpened+".dlq")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ch:
		m.Ack()
		if m.UUID != uid(9001) {
			t.Errorf("dead letter %s, want the bad event %s", m.UUID, uid(9001))
		}
	case <-ctx.Done():
		t.Fatal("the bad event never reached the dead letters")
	}
	if _, err := s.store.caseByID(context.Background(), uid(9000)); err == nil {
		t.Error("the bad event was projected")
	}
}
