package embedded_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus/embedded"
)

// childDirEnv makes TestBrokerChild run a broker on that data dir.
const childDirEnv = "CIVICBUS_EMBEDDED_CHILD_DIR"

// TestBrokerChild is not a test: run by TestSIGKILL* as a child process, it
// runs a broker on the data dir it is given, prints its address and waits
// to be killed.
func TestBrokerChild(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("the child process of the SIGKILL tests")
	}
	b, err := embedded.Start(embedded.Config{DataDir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("ADDR", b.Addr())
	select {}
}

// startChild starts a broker in a child process on dir and returns its
// address and a function that SIGKILLs it and waits for it to die.
func startChild(t *testing.T, dir string) (addr string, kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBrokerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill = func() {
		if killed {
			return
		}
		killed = true
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
	}
	t.Cleanup(kill)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ADDR ") || strings.HasPrefix(sc.Text(), "ERROR ") {
				lines <- sc.Text()
				return
			}
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if !ok || !strings.HasPrefix(l, "ADDR ") {
			t.Fatalf("the child broker did not start: %q", l)
		}
		return strings.TrimPrefix(l, "ADDR "), kill
	case <-time.After(2 * time.Minute):
		t.Fatal("the child broker printed no address in 2 minutes")
	}
	return "", nil
}

// produce writes values to topic with acks=all, creating the topic by a
// metadata request (auto-creation), as civicbus's publishers do. Every
// value is acknowledged when it returns.
func produce(t *testing.T, addr, topic string, values []string) {
	t.Helper()
	w := &kafka.Writer{
		Addr:                   kafka.TCP(addr),
		Topic:                  topic,
		Balancer:               &kafka.RoundRobin{},
		RequiredAcks:           kafka.RequireAll,
		AllowAutoTopicCreation: true,
		BatchSize:              50,
		BatchTimeout:           time.Millisecond,
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for len(values) > 0 {
		n := min(len(values), 200)
		msgs := make([]kafka.Message, n)
		for i, v := range values[:n] {
			msgs[i] = kafka.Message{Value: []byte(v)}
		}
		for {
			err := w.WriteMessages(ctx, msgs...)
			if err == nil {
				break
			}
			// A new topic's leaders may not be known at once.
			if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) || ctx.Err() != nil {
				t.Fatalf("produce: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		values = values[n:]
	}
}

// readAll reads every partition of topic from its first offset to its high
// watermark and returns the values, failing on any batch that cannot be
// read. It never creates the topic.
func readAll(t *testing.T, addr, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := (&kafka.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	var values []string
	for _, p := range parts {
		c, err := kafka.DialLeader(ctx, "tcp", addr, topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		first, last, err := c.ReadOffsets()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Seek(first, kafka.SeekAbsolute); err != nil {
			t.Fatal(err)
		}
		next := first
		for next < last {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			batch := c.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: 1 << 20, MaxWait: time.Second})
			got := 0
			for {
				m, err := batch.ReadMessage()
				if err != nil {
					break
				}
				if m.Offset != next {
					t.Fatalf("%s/%d: record at offset %d, want %d", topic, p.ID, m.Offset, next)
				}
				values = append(values, string(m.Value))
				next++
				got++
			}
			if err := batch.Close(); err != nil {
				t.Fatalf("%s/%d: fetch at offset %d (high watermark %d): %v", topic, p.ID, next, last, err)
			}
			if got == 0 {
				t.Fatalf("%s/%d: a fetch at offset %d answered no record, high watermark %d", topic, p.ID, next, last)
			}
		}
		c.Close()
	}
	return values
}

func values(prefix string, n int) []string {
	v := make([]string, n)
	for i := range v {
		v[i] = fmt.Sprintf("%s-%06d", prefix, i)
	}
	return v
}

// sameSet fails unless got holds each of want exactly once.
func sameSet(t *testing.T, what string, got []string, want ...[]string) {
	t.Helper()
	seen := map[string]int{}
	for _, v := range got {
		seen[v]++
	}
	n := 0
	for _, w := range want {
		for _, v := range w {
			n++
			if seen[v] != 1 {
				t.Fatalf("%s: %q read %d times, want once", what, v, seen[v])
			}
		}
	}
	if len(got) != n {
		t.Fatalf("%s: %d records, want %d", what, len(got), n)
	}
}

// TestSIGKILLKeepsAutoCreatedTopics is the defect the fault tests found:
// a topic a producer created (by auto-creation) after the broker started,
// the broker SIGKILLed, started again on the same directory. Everything
// acknowledged must be readable, new records must append after it and be
// readable, and a graceful restart must give the same records again.
func TestSIGKILLKeepsAutoCreatedTopics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kafka")
	const topic = "cases.decision-recorded.v1"
	before, after := values("before", 3000), values("after", 1000)

	addr, kill := startChild(t, dir)
	produce(t, addr, topic, before)
	kill()

	b, err := embedded.Start(embedded.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, "after the SIGKILL", readAll(t, b.Addr(), topic), before)
	produce(t, b.Addr(), topic, after)
	sameSet(t, "after the SIGKILL and new records", readAll(t, b.Addr(), topic), before, after)
	b.Close()

	b, err = embedded.Start(embedded.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sameSet(t, "after a graceful restart", readAll(t, b.Addr(), topic), before, after)
}

// TestSIGKILLTornTail: the broker SIGKILLed twice, with the last batch of
// each partition's segment torn as a kill in the middle of a write leaves
// it (its length written, not all its bytes) and a torn entry at the end of
// the group log. The torn batches were never acknowledged; everything else
// is read, records produced after the start append after the last whole
// batch, and the offsets stay dense.
func TestSIGKILLTornTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kafka")
	const topic = "school.application-received.v1"
	first, second := values("first", 2000), values("second", 500)

	addr, kill := startChild(t, dir)
	produce(t, addr, topic, first)
	commit(t, addr, topic, 100)
	kill()
	tear(t, dir, topic)

	addr, kill = startChild(t, dir)
	sameSet(t, "after the first SIGKILL", readAll(t, addr, topic), first)
	if got := committed(t, addr, topic); got != 100 {
		t.Fatalf("after the first SIGKILL: committed offset %d, want 100", got)
	}
	produce(t, addr, topic, second)
	commit(t, addr, topic, 200)
	kill()
	tear(t, dir, topic)

	b, err := embedded.Start(embedded.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sameSet(t, "after the second SIGKILL", readAll(t, b.Addr(), topic), first, second)
	// The commit after the first torn entry: kfake appends it after the
	// torn bytes unless they are cut off, and then skips it on load.
	if got := committed(t, b.Addr(), topic); got != 200 {
		t.Fatalf("after the second SIGKILL: committed offset %d, want 200", got)
	}
}

const group = "crash-test"

// commit commits offset for group on partition 0 of topic, as a consumer
// outside a group generation does.
func commit(t *testing.T, addr, topic string, offset int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr)}
	res, err := c.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: offset}}},
	})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("commit: %v", p.Error)
		}
	}
}

func committed(t *testing.T, addr, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr)}
	res, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Partition == 0 {
			return p.CommittedOffset
		}
	}
	t.Fatalf("offset fetch: no partition 0 of %s in %+v", topic, res.Topics)
	return 0
}

// tear appends to the last segment of each of topic's partitions the first
// bytes of its first batch, a batch cut short, and a cut entry to the group
// log.
func tear(t *testing.T, dir, topic string) {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(dir, "partitions", topic+"-*", "*.dat"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment files of %s in %s (%v)", topic, dir, err)
	}
	for _, seg := range segs {
		raw, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) < 100 {
			continue
		}
		appendFile(t, seg, raw[:61+len(seg)%30])
	}
	appendFile(t, filepath.Join(dir, "groups.log"), []byte{200, 0, 0, 0, 1, 2, 3, 4, 1, 0, '{'})
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
