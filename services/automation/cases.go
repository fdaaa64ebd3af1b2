package automation

import (
	"context"
	"encoding/json"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// TopicCaseOpened is where the service announces the cases it opens (care
// alarms, meal orders, premises needs).
const TopicCaseOpened = "cases.case-opened.v1"

// openCase opens a case the service starts itself and records its first
// decisions: cases.case-opened.v1 (once per case id), then the decision
// records not already on record (each completed step also announced on
// cases.step-completed.v1), published before they are recorded, so a
// crash in between publishes them again with the same ids rather than
// never. Every event is keyed by the case id, so a case's events share a
// partition and come in order.
func (s *Service) openCase(ctx context.Context, c schemas.CaseOpened, ds []rules.Decision) error {
	known, err := s.store.caseOpened(ctx, c.CaseID)
	if err != nil {
		return err
	}
	if !known {
		js, err := json.Marshal(c)
		if err != nil {
			return err
		}
		m := message.NewMessage(uuid.NewSHA1(caseNamespace, []byte("opened\x00"+c.CaseID)).String(), js)
		m.Metadata.Set(bus.MetadataPartitionKey, c.CaseID)
		if err := s.pub.Publish(TopicCaseOpened, m); err != nil {
			return err
		}
	}
	fresh, err := s.store.unrecorded(ctx, ds)
	if err != nil {
		return err
	}
	if len(fresh) > 0 {
		if err := s.publishDecisions(fresh); err != nil {
			return err
		}
		if err := s.store.recordAll(ctx, fresh); err != nil {
			return err
		}
	}
	if !known {
		return s.store.recordCase(ctx, c.CaseID, c.CaseType)
	}
	return nil
}

// stepAutomated says whether a step of a case type may be completed by
// automation: as its loaded case type says, or fallback when no case type
// of that id is loaded.
func (s *Service) stepAutomated(caseType, step string, fallback bool) (version int, automated bool) {
	if s.engine == nil {
		return 1, fallback
	}
	ct, ok := s.engine.CaseType(caseType)
	if !ok {
		return 1, fallback
	}
	for _, st := range ct.Steps {
		if st.ID.Value == step {
			return ct.Version, st.Automation == rules.AutomationDecide
		}
	}
	return ct.Version, false
}
