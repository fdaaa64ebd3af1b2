package admin

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
)

// Topic is a bus topic with its size and rate.
type Topic struct {
	Name       string
	Partitions int
	Records    int64   // end offsets summed over the partitions: records ever written
	Rate       float64 // records a second between the last two samples
	Sampled    bool    // Rate is known: there were two samples
}

// DeadLetter reports whether t is a dead-letter topic.
func (t Topic) DeadLetter() bool { return strings.HasSuffix(t.Name, deadLetterSuffix) }

// snapshot is the topics' end offsets at one time.
type snapshot struct {
	at      time.Time
	topics  map[string]int64
	parts   map[string]int
	ordered []string
}

// rates samples the end offsets of every topic and keeps the last two
// samples, from which a topic's rate is read.
type rates struct {
	conn       bus.Connection
	mu         sync.Mutex
	prev, last *snapshot
}

func newRates(conn bus.Connection) *rates { return &rates{conn: conn} }

// run samples every interval until ctx is cancelled. A failed sample is
// logged and the last good one kept.
func (r *rates) run(ctx context.Context, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := r.sample(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("admin: sample topic offsets", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sample reads every topic's end offsets once.
func (r *rates) sample(ctx context.Context) error {
	t := r.conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(r.conn.Brokers...), Transport: t, Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	req := map[string][]kafka.OffsetRequest{}
	snap := &snapshot{at: time.Now(), topics: map[string]int64{}, parts: map[string]int{}}
	for _, tp := range meta.Topics {
		if tp.Internal || tp.Error != nil || strings.HasPrefix(tp.Name, "__") {
			continue
		}
		snap.ordered = append(snap.ordered, tp.Name)
		snap.parts[tp.Name] = len(tp.Partitions)
		for _, p := range tp.Partitions {
			req[tp.Name] = append(req[tp.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	slices.Sort(snap.ordered)
	if len(req) > 0 {
		resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: req})
		if err != nil {
			return fmt.Errorf("list offsets: %w", err)
		}
		for name, parts := range resp.Topics {
			for _, p := range parts {
				if p.Error == nil {
					snap.topics[name] += p.LastOffset
				}
			}
		}
	}
	r.mu.Lock()
	r.prev, r.last = r.last, snap
	r.mu.Unlock()
	return nil
}

// topics returns every topic of the last sample, by name, with its rate
// against the sample before.
func (r *rates) topics() []Topic {
	r.mu.Lock()
	prev, last := r.prev, r.last
	r.mu.Unlock()
	if last == nil {
		return nil
	}
	out := make([]Topic, 0, len(last.ordered))
	for _, name := range last.ordered {
		t := Topic{Name: name, Partitions: last.parts[name], Records: last.topics[name]}
		if before, ok := prev.records(name); ok {
			if dt := last.at.Sub(prev.at).Seconds(); dt > 0 {
				t.Rate, t.Sampled = float64(t.Records-before)/dt, true
			}
		}
		out = append(out, t)
	}
	return out
}

func (s *snapshot) records(topic string) (int64, bool) {
	if s == nil {
		return 0, false
	}
	n, ok := s.topics[topic]
	return n, ok
}
