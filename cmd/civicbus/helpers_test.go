package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
)

// running is a command started in the background by start.
type running struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

// start runs args with the environment env and the given defaults until the
// test ends or stop is called.
func start(t *testing.T, defaults defaultAddrs, env map[string]string, args ...string) *running {
	t.Helper()
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	c := newCLI(r.stdout, r.stderr, func(k string) string { return env[k] }, defaults)
	go func() { r.done <- c.main(ctx, args) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("civicbus %s; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
		}
		cancel()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			t.Errorf("command did not stop; stderr:\n%s", r.stderr)
		}
	})
	return r
}

// stop cancels the command and returns its error and how long it took.
func (r *running) stop(t *testing.T) (error, time.Duration) {
	t.Helper()
	began := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err, time.Since(began)
	case <-time.After(15 * time.Second):
		t.Fatalf("command did not stop within 15 s; stderr:\n%s", r.stderr)
		return nil, 0
	}
}

// bannerValue waits until the banner has a row called name and returns its
// value; it fails the test when the command ends first.
func (r *running) bannerValue(t *testing.T, name string) string {
	t.Helper()
	var value string
	waitFor(t, 20*time.Second, "banner row "+name, func() bool {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("command ended before its banner: %v\nstderr:\n%s", err, r.stderr)
		default:
		}
		value = bannerRow(r.stdout.String(), name)
		return value != ""
	})
	return value
}

// bannerRow finds "  <name>   <value>" in out.
func bannerRow(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), name+" ")
		if ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// get returns the status and body of url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// takenPort holds a loopback port for the test's duration and returns its
// address.
func takenPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// closedPort returns a loopback address that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// freeDefaults are defaults that pick free ports, so tests run in parallel.
var freeDefaults = defaultAddrs{HTTP: "127.0.0.1:0", KafkaListen: "127.0.0.1:0"}

// firstField is the text up to the first space.
func firstField(s string) string {
	f, _, _ := strings.Cut(s, " ")
	return f
}

// syncBuffer and waitFor are testenv's, under the names this package's tests use.
type syncBuffer = testenv.Buffer

var waitFor = testenv.WaitFor
