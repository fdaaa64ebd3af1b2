package bus

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
)

// consumeGroup joins the consumer group and consumes each generation's
// assignment until ctx ends.
func (s *Subscriber) consumeGroup(ctx context.Context, topic string, out chan<- *message.Message) {
	log := s.cfg.Logger.With("topic", topic, "group", s.cfg.ConsumerGroup)
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    s.cfg.ConsumerGroup,
		Brokers:               s.cfg.Brokers,
		Dialer:                s.cfg.Dialer(),
		Topics:                []string{topic},
		HeartbeatInterval:     s.cfg.HeartbeatInterval,
		SessionTimeout:        s.cfg.SessionTimeout,
		RebalanceTimeout:      s.cfg.RebalanceTimeout,
		JoinGroupBackoff:      s.cfg.JoinGroupBackoff,
		WatchPartitionChanges: true,
		StartOffset:           s.cfg.startOffset(),
		ErrorLogger:           kafkaLogger(log),
	})
	if err != nil {
		log.Error("consumer group config rejected", "err", err)
		return
	}
	defer closeGroup(cg, log) // leaves the group, so the others take over at once
	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return
			}
			log.Warn("consumer group: joining again", "err", err)
			// kafka-go backs off after most errors but not all (a rebalance
			// in progress): never spin.
			if !sleep(ctx, s.cfg.JoinGroupBackoff) {
				return
			}
			continue
		}
		s.consumeGeneration(ctx, gen, topic, out)
	}
}

// groupCloseWait bounds how long ending a subscription waits to leave its
// group. kafka-go's ConsumerGroup.Close waits for a join under way, and
// a join waits at the broker until every member has joined again or the
// rebalance timeout passed: when a service stops, its subscribers (each a
// member of the service's group) leave one after another, each leave
// starts a rebalance, and a member caught joining waited up to the
// rebalance timeout, longer than the process's shutdown grace.
const groupCloseWait = 2 * time.Second

// closeGroup leaves the group, waiting at most groupCloseWait; a leave that
// takes longer goes on alone (and the broker drops the member at its
// session timeout if it never completes).
func closeGroup(cg *kafka.ConsumerGroup, log *slog.Logger) {
	closed := make(chan struct{})
	go func() {
		cg.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(groupCloseWait):
		log.Warn("consumer group: leaving takes long (a rebalance under way); not waiting for it", "waited", groupCloseWait)
	}
}

// consumeGeneration starts a goroutine per assigned partition and one that
// commits their acknowledged offsets. It does not wait: kafka-go waits for
// them before the next generation starts.
func (s *Subscriber) consumeGeneration(ctx context.Context, gen *kafka.Generation, topic string, out chan<- *message.Message) {
	acked := newOffsets()
	var partitions sync.WaitGroup
	for _, a := range gen.Assignments[topic] {
		partitions.Add(1)
		gen.Start(func(genCtx context.Context) {
			defer partitions.Done()
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(genCtx, cancel)
			defer stop()
			s.consumePartition(pctx, topic, a.ID, a.Offset, out, func(next int64) { acked.set(a.ID, next) })
		})
	}
	gen.Start(func(genCtx context.Context) {
		ticker := time.NewTicker(s.cfg.CommitInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				s.commit(gen, topic, acked)
			case <-ctx.Done():
				partitions.Wait()
				s.commit(gen, topic, acked)
				return
			case <-genCtx.Done():
				partitions.Wait()
				s.commit(gen, topic, acked)
				return
			}
		}
	})
}

func (s *Subscriber) commit(gen *kafka.Generation, topic string, acked *offsets) {
	pending := acked.take()
	if len(pending) == 0 {
		return
	}
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: pending}); err != nil {
		acked.restore(pending)
		s.cfg.Logger.Warn("commit offsets", "topic", topic, "group", s.cfg.ConsumerGroup, "err", err)
	}
}

// offsets holds, per partition, the offset to resume from after the last
// acknowledged message, until it is committed.
type offsets struct {
	mu      sync.Mutex
	pending map[int]int64
}

func newOffsets() *offsets { return &offsets{pending: map[int]int64{}} }

func (o *offsets) set(partition int, next int64) {
	o.mu.Lock()
	o.pending[partition] = next
	o.mu.Unlock()
}

// take returns the offsets not yet committed and forgets them.
func (o *offsets) take() map[int]int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 {
		return nil
	}
	p := o.pending
	o.pending = map[int]int64{}
	return p
}

// restore puts back offsets whose commit failed, unless newer ones came since.
func (o *offsets) restore(p map[int]int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for part, off := range p {
		if cur, ok := o.pending[part]; !ok || cur < off {
			o.pending[part] = off
		}
	}
}
