package services

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestCaseworkOIDCSettings: casework with an OpenID provider named but its
// settings incomplete fails at start, naming what is missing; with neither
// a users file nor a provider it serves nothing and waits.
func TestCaseworkOIDCSettings(t *testing.T) {
	env := map[string]string{"CIVICBUS_CASEWORK_OIDC_ISSUER": "https://login.example.se", "CIVICBUS_CASEWORK_OIDC_CLIENT_ID": "casework"}
	err := runCasework(context.Background(), Env{Getenv: func(k string) string { return env[k] }, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "CIVICBUS_CASEWORK_OIDC_CLIENT_SECRET_FILE") || !strings.Contains(err.Error(), "redirect URL") {
		t.Fatalf("incomplete OpenID settings: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := runCasework(ctx, Env{Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatalf("no users and no provider: %v", err)
	}
}
