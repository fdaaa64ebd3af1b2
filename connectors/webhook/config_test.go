package webhook_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/webhook"
)

func build(t *testing.T, yamlText string) (connectors.Source, error) {
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "hook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := connectortest.Registry(t, webhook.Kind()).Build(cfg, nil)
	return src, err
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		config []string
		want   []string
	}{
		{"inline token", []string{"bearer_token: hunter2-inline"}, []string{"bearer_token: secrets are never written in the YAML; use bearer_token_file or bearer_token_env"}},
		{"inline hmac secret", []string{"hmac: {secret: hunter2-inline}"}, []string{"hmac: secret: secrets are never written in the YAML"}},
		{"no auth", []string{"key_field: id"}, []string{"senders are not authenticated"}},
		{"two ways", []string{"bearer_token_env: T", "hmac: {secret_env: S}"}, []string{"give one way to authenticate senders"}},
		{"bad values", []string{"bearer_token_env: T", "timeout: soon", "key_header: 'a b'"}, []string{`timeout: "soon"`, `key_header: "a b"`}},
		{"unknown field", []string{"bearer_token_env: T", "hmac_typo: 1"}, []string{"line 6: field hmac_typo not found"}},
		{"unset variable", []string{"bearer_token_env: CIVICBUS_NO_SUCH_VARIABLE"}, []string{"$CIVICBUS_NO_SUCH_VARIABLE is not set"}},
		{"missing file", []string{"hmac: {secret_file: /no/such/secret}"}, []string{"hmac: secret_file: open /no/such/secret"}},
	} {
		_, err := build(t, connectorYAML("hook", c.config...))
		for _, want := range c.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v; want %q", c.name, err, want)
			}
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the secret: %v", c.name, err)
		}
	}
}

// TestConnectWithoutHTTP: a process that serves no HTTP (connectors try)
// builds a webhook but cannot connect it, and says why.
func TestConnectWithoutHTTP(t *testing.T) {
	src, err := build(t, bearerYAML(t, "hook"))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "serves no HTTP") {
		t.Errorf("Connect without a mux: %v", err)
	}
}
