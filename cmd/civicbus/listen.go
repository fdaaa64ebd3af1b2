package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// maxPortTries bounds the search for a free port above a taken default.
const maxPortTries = 100

// listenSpec is an address to listen on and where it came from.
type listenSpec struct {
	Addr   string // host:port
	Flag   string // the flag that sets it, "--http"
	Source string // "--http" or "CIVICBUS_HTTP" when the user gave it; "" for the default
}

// listenOrNext calls listen on spec.Addr. When that address is the default
// and already taken, it tries the next ports upward and returns a note for
// the banner saying which one it took. An address the user gave is never
// replaced: when it is taken, the error names it and how it was given.
func listenOrNext[T any](spec listenSpec, listen func(addr string) (T, error)) (T, string, error) {
	v, err := listen(spec.Addr)
	if err == nil {
		return v, "", nil
	}
	if spec.Source != "" {
		return v, "", fmt.Errorf("cannot listen on %s (given by %s): %w", spec.Addr, spec.Source, err)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return v, "", fmt.Errorf("cannot listen on %s (the default of %s): %w", spec.Addr, spec.Flag, err)
	}
	host, portText, splitErr := net.SplitHostPort(spec.Addr)
	port, atoiErr := strconv.Atoi(portText)
	if splitErr != nil || atoiErr != nil || port == 0 {
		return v, "", fmt.Errorf("cannot listen on %s (the default of %s): %w", spec.Addr, spec.Flag, err)
	}
	for p := port + 1; p <= port+maxPortTries && p <= 65535; p++ {
		addr := net.JoinHostPort(host, strconv.Itoa(p))
		v, err2 := listen(addr)
		if err2 == nil {
			return v, fmt.Sprintf("%s (the default of %s) is taken; using %s instead", spec.Addr, spec.Flag, addr), nil
		}
		if !errors.Is(err2, syscall.EADDRINUSE) {
			return v, "", fmt.Errorf("cannot listen on %s (the default of %s was taken): %w", addr, spec.Flag, err2)
		}
	}
	var zero T
	return zero, "", fmt.Errorf("%s (the default of %s) and the %d ports above it are taken; set %s", spec.Addr, spec.Flag, maxPortTries, spec.Flag)
}

// tcpListen is net.Listen on TCP.
func tcpListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
