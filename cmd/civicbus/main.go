// Command civicbus is the one binary of civicbus, the open-data and
// automation event bus of Västerås stad.
//
//	civicbus run                 everything in one process, embedded broker
//	civicbus serve <service>     one service against an external Kafka
//	civicbus dlq list|replay     inspect and replay dead letters
//	civicbus healthcheck         probe a running process's /healthz
//	civicbus version | help
//
// Every flag can also be set by the environment variable CIVICBUS_<NAME>,
// NAME being the flag's name in upper case with - as _ (--kafka-listen is
// CIVICBUS_KAFKA_LISTEN); a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// runMemoryLimit is the soft limit on the Go heap of `civicbus run` when
// GOMEMLIMIT does not set one (runtime/debug.SetMemoryLimit): the garbage
// collector works harder as the heap nears it, rather than letting it grow
// to twice what is live (GOGC's default). Under civicbus bench at 5,000
// events/s the live heap stays under 200 MB while the heap in use reached
// 446 MB without a limit. A limit lower than what is live costs CPU, never
// correctness; set GOMEMLIMIT (e.g. 1GiB, or off) to change it.
const runMemoryLimit = 416 << 20

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(runMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process at once.
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		// Plain text, not a log line: an error may list several problems,
		// one a line.
		fmt.Fprintln(os.Stderr, "civicbus: "+err.Error())
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run runs the command that args name (os.Args without the program name)
// until it is done or ctx is cancelled. It is what main and the tests call.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return newCLI(stdout, stderr, os.Getenv, builtinDefaults).main(ctx, args)
}
