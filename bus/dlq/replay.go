package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
)

// replayBatch is how many letters one Publish call carries.
const replayBatch = 500

// Replay publishes the dead letters of topic back to topic with pub, all of
// them or only those whose id is among ids, and returns how many it
// published. An id with no dead letter is an error that names it, and then
// nothing is published.
//
// A replayed message is the original: the same UUID (ce_id), payload,
// partition key and metadata, without the dlq_* headers. A message
// dead-lettered more than once (replayed and failed again) is published once,
// from its latest letter. The letters go out partition by partition in offset
// order, so messages with one key, which share a partition of <topic>.dlq,
// arrive in the order they were dead-lettered.
//
// On an error some letters may have been published already; the count says
// how many. Replaying them again is harmless: consumers recognise an event
// they have applied by its id.
func Replay(ctx context.Context, conn bus.Connection, pub message.Publisher, topic string, ids ...string) (int, error) {
	letters, err := list(ctx, conn, topic)
	if err != nil {
		return 0, fmt.Errorf("dlq: replay %s: %w", topic, err)
	}
	chosen, err := choose(latestOnly(letters), ids)
	if err != nil {
		return 0, fmt.Errorf("dlq: replay %s: %w", topic, err)
	}
	published := 0
	for batch := range slices.Chunk(chosen, replayBatch) {
		if err := ctx.Err(); err != nil {
			return published, fmt.Errorf("dlq: replay %s: %d of %d published: %w", topic, published, len(chosen), err)
		}
		msgs := make([]*message.Message, len(batch))
		for i, l := range batch {
			msgs[i] = original(l.Message)
		}
		if err := pub.Publish(topic, msgs...); err != nil {
			return published, fmt.Errorf("dlq: replay %s: %d of %d published: %w", topic, published, len(chosen), err)
		}
		published += len(batch)
	}
	return published, nil
}

// latestOnly keeps, of the letters that share an id, the latest one, where it
// stands in the list. Letters of one id are in one partition when the
// message had a key: there the later offset wins; otherwise the later dlq
// time.
func latestOnly(letters []Letter) []Letter {
	latest := map[string]int{}
	for i, l := range letters {
		j, ok := latest[l.ID]
		if !ok || later(l, letters[j]) {
			latest[l.ID] = i
		}
	}
	var out []Letter
	for i, l := range letters {
		if latest[l.ID] == i {
			out = append(out, l)
		}
	}
	return out
}

func later(a, b Letter) bool {
	if a.Record.Partition == b.Record.Partition {
		return a.Record.Offset > b.Record.Offset
	}
	return a.Time.After(b.Time)
}

// choose returns the letters whose id is among ids, all of them when ids is
// empty, or an error naming each id that has no letter.
func choose(letters []Letter, ids []string) ([]Letter, error) {
	if len(ids) == 0 {
		return letters, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []Letter
	for _, l := range letters {
		if want[l.ID] {
			out = append(out, l)
			delete(want, l.ID)
		}
	}
	var missing []string
	for _, id := range ids {
		if want[id] {
			missing = append(missing, fmt.Sprintf("%q", id))
			delete(want, id) // an id given twice is named once
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("no dead letter with id " + strings.Join(missing, ", "))
	}
	return out, nil
}

// original strips the dlq_* headers from a dead letter.
func original(letter *message.Message) *message.Message {
	msg := message.NewMessage(letter.UUID, letter.Payload)
	for k, v := range letter.Metadata {
		if !strings.HasPrefix(k, middleware.DeadLetterHeaderPrefix) {
			msg.Metadata.Set(k, v)
		}
	}
	return msg
}
