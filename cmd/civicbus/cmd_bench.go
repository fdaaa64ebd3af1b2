package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchdata holds what `civicbus bench` runs the all-in-one process with:
// a dataset of food-waste weighings and a rule that completes an
// application's one step.
//
//go:embed benchdata
var benchdata embed.FS

// benchConfig is the configuration of `civicbus bench`.
type benchConfig struct {
	Rate     int
	Duration time.Duration
	Mix      string
	Senders  int
	Batch    int
	Drain    time.Duration
	Dir      string
	Keep     bool
	JSON     bool
}

// The sources `civicbus bench` drives, by their --mix names.
const (
	benchWebhook = "webhook" // food-waste weighings POSTed to a webhook connector → the dataset
	benchFiles   = "files"   // food-waste weighings dropped as CSV files → filedrop → the dataset
	benchSensor  = "sensor"  // care sensor activations POSTed to a webhook → the routine model
	benchCases   = "cases"   // preschool applications POSTed to a webhook → a rule → a decision record
)

var benchSources = []string{benchWebhook, benchFiles, benchSensor, benchCases}

const benchDefaultMix = "webhook=40,files=20,sensor=20,cases=20"

func (c *cli) benchFlags(cfg *benchConfig) *cmdFlags {
	f := newFlags("bench", "civicbus bench [flags]")
	f.IntVar(&cfg.Rate, "rate", 5000, "events a `second` offered, all sources together")
	f.DurationVar(&cfg.Duration, "duration", 5*time.Minute, "how long events are offered")
	f.StringVar(&cfg.Mix, "mix", benchDefaultMix, "the sources' shares, `name=weight,…`, of "+strings.Join(benchSources, ", "))
	f.IntVar(&cfg.Senders, "senders", 16, "concurrent webhook `senders`")
	f.IntVar(&cfg.Batch, "batch", 20, "most `records` in one webhook request (NDJSON)")
	f.DurationVar(&cfg.Drain, "drain", 2*time.Minute, "how long to wait, after the offered load, for every accepted event to reach its end")
	f.StringVar(&cfg.Dir, "dir", "", "working `dir` of the process under test (default: a new temporary dir, removed after)")
	f.BoolVar(&cfg.Keep, "keep", false, "keep the working dir (its data and the process's log)")
	f.BoolVar(&cfg.JSON, "json", false, "print the report as JSON")
	return f
}

const benchHelp = `civicbus bench [flags]

Starts civicbus run (this binary) as a child process on a fresh data dir and
drives a mix of sources through it at --rate events a second for --duration:
food-waste weighings by webhook and by CSV file drop (into an open dataset),
care sensor activations by webhook (into the resident-routine model), and
preschool applications by webhook (a rule completes their step with a
decision record). It reports the latency from each event's scheduled send
time to the bus (the webhook's 202), to the dataset and to its decision
record (the task), p50 and p99; the throughput offered, accepted and
completed; the child's CPU time and peak resident memory.

`

// cmdBench is `civicbus bench`.
func (c *cli) cmdBench(ctx context.Context, args []string) error {
	var cfg benchConfig
	f := c.benchFlags(&cfg)
	if done, err := c.parseFlags(f, args); done {
		return err
	}
	mix, err := cfg.validate(f)
	if err != nil {
		f.usage(c.stderr)
		return usageError{fmt.Errorf("bench: %w", err)}
	}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "civicbus-bench-"); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if !cfg.Keep {
			defer os.RemoveAll(dir)
		}
	}
	b, err := newBench(cfg, mix, dir, c.logger)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	rep, err := b.run(ctx)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if cfg.JSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.write(c.stdout)
	return nil
}

func (cfg benchConfig) validate(f *cmdFlags) (map[string]float64, error) {
	var errs []error
	if f.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", f.Args()))
	}
	if cfg.Rate < 1 {
		errs = append(errs, fmt.Errorf("--rate must be at least 1, got %d", cfg.Rate))
	}
	if cfg.Duration < time.Second {
		errs = append(errs, fmt.Errorf("--duration must be at least 1s, got %s", cfg.Duration))
	}
	if cfg.Senders < 1 || cfg.Batch < 1 {
		errs = append(errs, errors.New("--senders and --batch must be at least 1"))
	}
	mix, err := parseMix(cfg.Mix)
	if err != nil {
		errs = append(errs, err)
	}
	return mix, errors.Join(errs...)
}

// parseMix reads "name=weight,…" into shares that sum to 1.
func parseMix(s string) (map[string]float64, error) {
	mix := map[string]float64{}
	var sum float64
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, w, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("--mix: %q is not name=weight", item)
		}
		if !slices.Contains(benchSources, name) {
			return nil, fmt.Errorf("--mix: unknown source %q; the sources are %s", name, strings.Join(benchSources, ", "))
		}
		v, err := strconv.ParseFloat(w, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("--mix: the weight of %s must be a number ≥ 0, got %q", name, w)
		}
		mix[name] += v
		sum += v
	}
	if sum == 0 {
		return nil, errors.New("--mix: no source has a weight above 0")
	}
	for k := range mix {
		mix[k] /= sum
	}
	return mix, nil
}

// benchChild is the civicbus run under test.
type benchChild struct {
	cmd     *exec.Cmd
	stdout  *lockedBuffer
	logPath string
	done    chan struct{}
	err     error
}

// startBenchChild starts this binary's `run` in dir with env added to the
// environment (any other CIVICBUS_ setting is left out, but for
// CIVICBUS_BENCH_ ones and CIVICBUS_PPROF_LISTEN, to profile the run).
func startBenchChild(dir string, env []string) (*benchChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "civicbus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "run", "--data", filepath.Join(dir, "data"), "--http", "127.0.0.1:0",
		"--kafka-listen", "127.0.0.1:0", "--mqtt-listen", "off")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) || strings.HasPrefix(kv, envPrefix+"BENCH_") || strings.HasPrefix(kv, envPrefix+"PPROF_LISTEN=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	ch := &benchChild{cmd: cmd, stdout: &lockedBuffer{}, logPath: logPath, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = ch.stdout, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() { ch.err = cmd.Wait(); logFile.Close(); close(ch.done) }()
	return ch, nil
}

// banner waits for the banner row name and returns its first field.
func (ch *benchChild) banner(ctx context.Context, name string) (string, error) {
	for {
		for line := range strings.SplitSeq(ch.stdout.String(), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
				v, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
				return v, nil
			}
		}
		select {
		case <-ch.done:
			return "", fmt.Errorf("civicbus run ended before its banner (%v); its log: %s", ch.err, ch.logPath)
		case <-ctx.Done():
			return "", fmt.Errorf("no %s in civicbus run's banner: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits up to 30 s, then kills.
func (ch *benchChild) stop() error {
	_ = ch.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ch.done:
		return ch.err
	case <-time.After(30 * time.Second):
		_ = ch.cmd.Process.Kill()
		<-ch.done
		return errors.New("civicbus run did not stop within 30 s of SIGTERM; killed")
	}
}

// procStats are a process's CPU time and memory, from /proc (Linux).
type procStats struct {
	CPU     time.Duration
	RSS     int64 // bytes, now
	PeakRSS int64 // bytes, the most so far (VmHWM)
}

// readProcStats reads pid's /proc/<pid>/stat and status; ok is false where
// there is no /proc.
func readProcStats(pid int) (procStats, bool) {
	var s procStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, false
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return s, false
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	const userHZ = 100 // USER_HZ: 100 on every Linux that Go supports
	s.CPU = time.Duration(ut+st) * time.Second / userHZ
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, false
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		name, rest, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			s.RSS = kb << 10
		case "VmHWM":
			s.PeakRSS = kb << 10
		}
	}
	return s, true
}

// loadAverage is /proc/loadavg's first three fields, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// writeBenchdata writes the embedded definitions under dir.
func writeBenchdata(dir string) error {
	return fs.WalkDir(benchdata, "benchdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dir, strings.TrimPrefix(path, "benchdata"))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		in, err := benchdata.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}
