package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckTimeout bounds one `civicbus healthcheck`.
const healthcheckTimeout = 5 * time.Second

func (c *cli) healthcheckFlags(url *string) *cmdFlags {
	f := newFlags("healthcheck", "civicbus healthcheck [--url URL]")
	f.StringVar(url, "url", "http://127.0.0.1:8080/healthz", "`URL` to probe; 200 is healthy")
	return f
}

// cmdHealthcheck is `civicbus healthcheck`: container images without a
// shell or curl (distroless) use it as their HEALTHCHECK.
func (c *cli) cmdHealthcheck(ctx context.Context, args []string) error {
	var url string
	f := c.healthcheckFlags(&url)
	if done, err := c.parseFlags(f, args); done {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usageError{fmt.Errorf("healthcheck: %w", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", url, resp.Status, body)
	}
	fmt.Fprintf(c.stdout, "%s: %s", url, body)
	return nil
}
