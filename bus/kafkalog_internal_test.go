package bus

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestKafkaLoggerTimeoutsAtDebug: kafka-go's "unknown error" line about a
// fetch that timed out (retried by the reader itself) goes to debug, any
// other error to warn.
func TestKafkaLoggerTimeoutsAtDebug(t *testing.T) {
	var buf bytes.Buffer
	log := kafkaLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	const format = "the kafka reader got an unknown error reading partition %d of %s at offset %d: %s"
	timeout := &os.PathError{Op: "read", Path: "tcp", Err: os.ErrDeadlineExceeded}
	log.Printf(format, 3, "t.v1", 42, timeout)
	log.Printf(format, 3, "t.v1", 42, errors.New("connection reset by peer"))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=DEBUG") || !strings.Contains(lines[1], "level=WARN") {
		t.Errorf("log:\n%s\nwant the timeout at DEBUG, the reset at WARN", buf.String())
	}
}
