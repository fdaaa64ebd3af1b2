package automation

import (
	"context"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
)

// A rule that reads the population register decides on what the register
// said when the event it decides was written — not on how far the
// register's projection happens to have got. The two topics are consumed
// side by side, and a backlog of applications could be handled before the
// notices written ahead of them were projected (the child not yet a
// resident, the residency check referred to a person for nothing). So the
// projection notes how far it has applied each partition of its topics,
// and a rule that reads it first waits until every partition has been
// applied up to the event's time: a record of that time or later applied,
// or nothing left to apply. The projection's handlers take one event of a
// partition at a time, so what is applied of a partition is a prefix.

// projectionWait bounds the wait: a projection that cannot catch up (its
// topic unreachable, a poison event retried) does not stop the decisions,
// which then refer what they cannot find, as before.
const projectionWait = 10 * time.Second

// endsFresh is how long a partition's end offsets are reused.
const endsFresh = 100 * time.Millisecond

type topicPartition struct {
	topic     string
	partition int
}

// position is how far a partition is applied: the next offset, and the
// time of the last record applied (zero when only the committed offset is
// known).
type position struct {
	next int64
	at   time.Time
}

// projectionClock is how far a projection has applied its topics.
type projectionClock struct {
	conn   bus.Connection
	group  string
	topics []string

	mu      sync.Mutex
	applied map[topicPartition]position
	started map[string]bool // topics whose committed offsets were read
	ends    map[string]map[int]int64
	endsAt  map[string]time.Time
}

func newProjectionClock(conn bus.Connection, group string, topics []string) *projectionClock {
	return &projectionClock{conn: conn, group: group, topics: topics, applied: map[topicPartition]position{},
		started: map[string]bool{}, ends: map[string]map[int]int64{}, endsAt: map[string]time.Time{}}
}

// note records msg, of one of the clock's topics, as applied.
func (c *projectionClock) note(msg *message.Message) {
	rec, ok := bus.RecordFromCtx(msg.Context())
	if c == nil || !ok {
		return
	}
	tp := topicPartition{rec.Topic, rec.Partition}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rec.Offset+1 > c.applied[tp].next {
		c.applied[tp] = position{next: rec.Offset + 1, at: rec.Time}
	}
}

// await returns once the projection has applied its topics up to t, or
// after projectionWait, or when ctx ends; ok is false when it stopped
// waiting without that.
func (c *projectionClock) await(ctx context.Context, t time.Time) (ok bool) {
	if c == nil {
		return true
	}
	deadline := time.Now().Add(projectionWait)
	for {
		if c.caughtUp(ctx, t) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// caughtUp reports whether every partition of the clock's topics is
// applied up to t. A broker that cannot say counts as caught up: the
// decision goes ahead, as it would without the clock.
func (c *projectionClock) caughtUp(ctx context.Context, t time.Time) bool {
	for _, topic := range c.topics {
		ends, err := c.endOffsets(ctx, topic)
		if err != nil {
			return true
		}
		for p, end := range ends {
			pos := c.position(ctx, topic, p)
			if pos.next < end && pos.at.Before(t) {
				return false
			}
		}
	}
	return true
}

// position is how far partition p of topic is applied; until this process
// has applied a record of the topic, the group's committed offsets say.
func (c *projectionClock) position(ctx context.Context, topic string, p int) position {
	c.mu.Lock()
	started := c.started[topic]
	c.mu.Unlock()
	if !started {
		committed, err := bus.CommittedOffsets(ctx, c.conn, c.group, topic)
		c.mu.Lock()
		if err == nil {
			for part, off := range committed {
				tp := topicPartition{topic, part}
				if off > c.applied[tp].next {
					c.applied[tp] = position{next: off}
				}
			}
			c.started[topic] = true
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applied[topicPartition{topic, p}]
}

// endOffsets is topic's end offsets, at most endsFresh old.
func (c *projectionClock) endOffsets(ctx context.Context, topic string) (map[int]int64, error) {
	c.mu.Lock()
	ends, at := c.ends[topic], c.endsAt[topic]
	c.mu.Unlock()
	if ends != nil && time.Since(at) < endsFresh {
		return ends, nil
	}
	ends, err := bus.EndOffsets(ctx, c.conn, topic)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.ends[topic], c.endsAt[topic] = ends, time.Now()
	c.mu.Unlock()
	return ends, nil
}
