package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// runDLQ is `civicbus dlq list|replay`. A placeholder until the dlq
// command lands: it only says so.
func runDLQ(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	return errors.New("dlq: not built yet")
}
