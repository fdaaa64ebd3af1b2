package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"

	"github.com/segmentio/kafka-go"
)

// binary is the civicbus binary TestMain built.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "civicbus-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "civicbus")
	build := exec.Command("go", "build", "-o", binary, "github.com/vasteras/civicbus/cmd/civicbus")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building civicbus:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePorts are the flags that put every listener of `civicbus run` on a
// free loopback port, so tests run side by side.
var freePorts = []string{"--http", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0"}

// proc is a civicbus process a test started.
type proc struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error
	began  time.Time
}

// start runs the binary with args in the working directory wd, with the
// environment of this process less every CIVICBUS_ variable, plus env. The
// process is stopped when the test ends.
func start(t *testing.T, wd string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Dir = wd
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CIVICBUS_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.began = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start civicbus: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("civicbus %s\nstdout:\n%s\nstderr (last lines):\n%s", strings.Join(args, " "), p.stdout, p.stderr.Tail(80))
		}
		p.stop(t)
	})
	return p
}

// stop sends SIGTERM and waits for the process to end; it kills it and
// fails the test when it does not end within 30 s.
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("civicbus did not stop within 30 s of SIGTERM")
		return p.err
	}
}

// banner waits for the banner row name and returns its value.
func (p *proc) banner(t *testing.T, name string) string {
	t.Helper()
	var v string
	waitFor(t, 60*time.Second, "banner row "+name, func() bool {
		select {
		case <-p.done:
			t.Fatalf("civicbus ended before its banner: %v\nstderr:\n%s", p.err, p.stderr.Tail(40))
		default:
		}
		v = bannerRow(p.stdout.String(), name)
		return v != ""
	})
	return v
}

// base is the process's HTTP root, without the trailing slash.
func (p *proc) base(t *testing.T) string {
	return strings.TrimSuffix(p.banner(t, "HTTP"), "/")
}

// kafka is the embedded broker's address.
func (p *proc) kafka(t *testing.T) string {
	v := p.banner(t, "Kafka bootstrap")
	addr, _, _ := strings.Cut(v, " ")
	return addr
}

// bannerRow finds "  <name>   <value>" in out.
func bannerRow(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), name+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// client is an HTTP client with a cookie jar and a generous timeout.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// get returns the status and body of u; a connection error is status 0.
func get(c *http.Client, u string) (int, string) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// getJSON decodes the JSON body of u into v, failing the test on any error
// but a connection refused or a non-200 status, which it returns as false.
func getJSON(t *testing.T, c *http.Client, u string, v any) bool {
	t.Helper()
	code, body := get(c, u)
	if code != http.StatusOK {
		return false
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", u, err, body)
	}
	return true
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in to the form at base+prefix+"login" with fields (and the
// form's CSRF token when it has one) and returns the signed-in client.
func signIn(t *testing.T, base, prefix string, fields url.Values) *http.Client {
	t.Helper()
	c := client(t)
	var form string
	waitFor(t, 60*time.Second, prefix+"login", func() bool {
		code, body := get(c, base+prefix+"login")
		form = body
		return code == http.StatusOK
	})
	if m := csrfField.FindStringSubmatch(form); m != nil {
		fields.Set("csrf", m[1])
	}
	resp, err := c.PostForm(base+prefix+"login", fields)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != prefix {
		t.Fatalf("sign-in to %s: %d at %s\n%s", prefix, resp.StatusCode, resp.Request.URL.Path, body)
	}
	return c
}

// topicIDs reads every record of topic from the broker at addr that source
// sent (the ce_source header) and counts them by CloudEvents id (ce_id).
func topicIDs(t *testing.T, addr, topic, source string) (ids map[string]int, records int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := kafka.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	ids = map[string]int{}
	for _, p := range parts {
		for _, rec := range readPartition(t, ctx, addr, topic, p.ID) {
			var id, src string
			for _, h := range rec.Headers {
				switch h.Key {
				case "ce_id":
					id = string(h.Value)
				case "ce_source":
					src = string(h.Value)
				}
			}
			if src == source {
				records++
				ids[id]++
			}
		}
	}
	return ids, records
}

func readPartition(t *testing.T, ctx context.Context, addr, topic string, partition int) []kafka.Message {
	t.Helper()
	c, err := kafka.DialLeader(ctx, "tcp", addr, topic, partition)
	if err != nil {
		t.Fatal(err)
	}
	first, end, err := c.ReadOffsets()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if first >= end {
		return nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: partition,
		MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		t.Fatal(err)
	}
	var recs []kafka.Message
	for {
		rec, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("read %s/%d at %d of %d: %v", topic, partition, first+int64(len(recs)), end, err)
		}
		recs = append(recs, rec)
		if rec.Offset+1 >= end {
			return recs
		}
	}
}

// repo is the repository root, for the demo's definitions and data.
func repo(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// dropFile puts b into dir as name the way a system should: written under
// another name first, then renamed, so that filedrop never reads half a file.
func dropFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+name+".part")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer and waitFor are testenv's, under the names this package's tests use.
type syncBuffer = testenv.Buffer

var waitFor = testenv.WaitFor
