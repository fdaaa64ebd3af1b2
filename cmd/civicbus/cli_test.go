package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestServeUnknownServiceListsTheKnownOnes(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "nope"},
		{"serve", "nope", "--brokers", "127.0.0.1:9"},
		{"serve", "--brokers", "127.0.0.1:9", "nope"},
	} {
		err := run(context.Background(), args, &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), `unknown service "nope"`) || !strings.Contains(err.Error(), "known services: "+serviceNames()) {
			t.Errorf("%q: err = %v", args, err)
		}
	}
	err := run(context.Background(), []string{"serve"}, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "which service?") {
		t.Errorf("serve without a name: %v", err)
	}
}

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "no command given"},
		{[]string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{[]string{"run", "--no-such-flag"}, nil, "flag provided but not defined"},
		{[]string{"run", "--partitions", "0"}, nil, "--partitions must be at least 1"},
		{[]string{"run", "extra"}, nil, "unexpected arguments"},
		{[]string{"run"}, map[string]string{"CIVICBUS_PARTITIONS": "many"}, `CIVICBUS_PARTITIONS="many"`},
		{[]string{"run", "--kafka-tls"}, nil, "--kafka-tls needs --brokers"},
		{[]string{"run", "--brokers", "k:9092", "--kafka-listen", ":1"}, nil, "with --brokers none runs"},
		{[]string{"run", "--brokers", "nohostport"}, nil, `broker "nohostport" is not host:port`},
		{[]string{"help", "frobnicate"}, nil, "unknown command"},
	} {
		c := newCLI(&syncBuffer{}, &syncBuffer{}, func(k string) string { return tc.env[k] }, freeDefaults)
		args := tc.args
		if len(args) > 0 && args[0] == "run" { // keep ./data out of it
			args = append([]string{"run", "--data", t.TempDir()}, args[1:]...)
		}
		err := c.main(context.Background(), args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	var cfg runConfig
	c := newCLI(&syncBuffer{}, &syncBuffer{}, nil, freeDefaults)
	f := c.runFlags(&cfg)
	env := map[string]string{"CIVICBUS_PARTITIONS": "3", "CIVICBUS_DATA": "/from/env", "CIVICBUS_KAFKA_TLS": "true"}
	if err := f.parse([]string{"--data", "/from/flag"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.Partitions != 3 || cfg.Data != "/from/flag" || !cfg.Security.TLS {
		t.Errorf("got %+v: want partitions 3 from the environment, data from the flag, TLS on", cfg)
	}
	for name, want := range map[string]string{"partitions": "CIVICBUS_PARTITIONS", "data": "--data", "http": ""} {
		if got := f.given(name); got != want {
			t.Errorf("given(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestHelpVersionAndUsageErrors(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	for _, args := range [][]string{{"help"}, {"help", "run"}, {"help", "serve"}, {"run", "-h"}, {"version"}} {
		if err := run(context.Background(), args, out, &syncBuffer{}); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
	for _, want := range []string{"civicbus serve <service>", "CIVICBUS_KAFKA_LISTEN", "--kafka-sasl-password-file", versionLine()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help and version lack %q", want)
		}
	}
	err := run(context.Background(), []string{"bogus"}, &syncBuffer{}, &syncBuffer{})
	var usage usageError
	if !errors.As(err, &usage) {
		t.Errorf("an unknown command is a usage error, got %T %v", err, err)
	}
}
