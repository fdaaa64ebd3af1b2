package httppoll

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config configures an httppoll connector (the config: part of its YAML).
//
//	url: https://api.example.se/v1/observations
//	interval: 5m
//	items: /data/items
//	key: id
//	next: /links/next
//	headers:
//	  Authorization: Bearer file:/run/secrets/api-token
//	  X-Api-Key: env:WEATHER_API_KEY
type Config struct {
	// URL is the first page of the list polled.
	URL string `yaml:"url" json:"url" jsonschema_description:"URL of the first page of the JSON list polled (http or https)."`
	// Interval is the time between the starts of two polls, as a Go
	// duration. Default 1m.
	Interval string `yaml:"interval" json:"interval,omitempty" jsonschema_description:"Time between the starts of two polls, e.g. 30s or 5m. Default 1m."`
	// Items says where the records are in a page: a JSON pointer
	// (/data/items) or a dotted path (data.items); empty means the page is
	// the array itself.
	Items string `yaml:"items" json:"items,omitempty" jsonschema_description:"Where the records are in a page: a JSON pointer such as /data/items or a dotted path such as data.items. Empty: the page is a JSON array."`
	// Key is the record property that is its natural key.
	Key string `yaml:"key" json:"key,omitempty" jsonschema_description:"Record property that is its natural key."`
	// Next says where a page names the next page's URL: a JSON pointer or
	// dotted path; a missing, null or empty value ends the poll. Without
	// it, a Link header with rel="next" (RFC 8288) is followed.
	Next string `yaml:"next" json:"next,omitempty" jsonschema_description:"Where a page names the URL of the next page: a JSON pointer such as /links/next or a dotted path. Without it, Link: <…>; rel=\"next\" headers are followed."`
	// Headers are sent with every request. Each value is env:NAME or
	// file:/path, optionally after literal words ("Bearer file:/run/secrets/token");
	// secrets are never written in the YAML, and never logged.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty" jsonschema_description:"Request headers; each value is env:NAME or file:/path (a mounted secret), optionally after literal words, e.g. 'Bearer file:/run/secrets/token'."`
	// Timeout bounds each request, as a Go duration. Default 30s.
	Timeout string `yaml:"timeout" json:"timeout,omitempty" jsonschema_description:"Limit on each request, e.g. 10s. Default 30s."`
}

// The defaults.
const (
	DefaultInterval = time.Minute
	DefaultTimeout  = 30 * time.Second
)

// Validate reports every problem with the configuration. It does not read
// the environment or the secret files; New does.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("httppoll: url: required"))
	} else if u, err := url.Parse(c.URL); err == nil && u.User != nil {
		errs = append(errs, errors.New("httppoll: url: must not hold credentials; send them in headers from env: or file:"))
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("httppoll: url: %q is not an http or https URL", c.URL))
	}
	for _, d := range []struct{ name, v string }{{"interval", c.Interval}, {"timeout", c.Timeout}} {
		if d.v == "" {
			continue
		}
		if v, err := time.ParseDuration(d.v); err != nil {
			errs = append(errs, fmt.Errorf("httppoll: %s: %q is not a duration such as 30s or 5m", d.name, d.v))
		} else if v <= 0 {
			errs = append(errs, fmt.Errorf("httppoll: %s: %q must be positive", d.name, d.v))
		}
	}
	for _, p := range []struct{ name, v string }{{"items", c.Items}, {"next", c.Next}} {
		if _, err := parsePath(p.v); err != nil {
			errs = append(errs, fmt.Errorf("httppoll: %s: %w", p.name, err))
		}
	}
	for _, name := range sortedKeys(c.Headers) {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			errs = append(errs, fmt.Errorf("httppoll: headers: %q is not a header name", name))
			continue
		}
		if _, _, err := splitSecret(c.Headers[name]); err != nil {
			errs = append(errs, fmt.Errorf("httppoll: headers: %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// splitSecret splits a header value into its literal prefix and its secret
// reference (env:NAME or file:/path). The error never repeats the value.
func splitSecret(v string) (prefix, ref string, err error) {
	v = strings.TrimSpace(v)
	i := strings.LastIndexByte(v, ' ')
	prefix, ref = "", v
	if i >= 0 {
		prefix, ref = v[:i+1], v[i+1:]
	}
	switch {
	case strings.HasPrefix(ref, "env:") && len(ref) > len("env:"):
	case strings.HasPrefix(ref, "file:") && len(ref) > len("file:"):
	default:
		return "", "", errors.New("the value must be env:NAME or file:/path (after optional literal words such as Bearer); secrets are never written in the YAML")
	}
	return prefix, ref, nil
}

// resolveHeaders reads the headers' secrets from the environment and files.
// Errors name the variable or file, never a value.
func (c Config) resolveHeaders() (http.Header, error) {
	h := http.Header{}
	var errs []error
	for _, name := range sortedKeys(c.Headers) {
		prefix, ref, err := splitSecret(c.Headers[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("httppoll: headers: %s: %w", name, err))
			continue
		}
		var v string
		if env, ok := strings.CutPrefix(ref, "env:"); ok {
			v = strings.TrimSpace(os.Getenv(env))
			if v == "" {
				errs = append(errs, fmt.Errorf("httppoll: headers: %s: $%s is not set", name, env))
				continue
			}
		} else {
			file := strings.TrimPrefix(ref, "file:")
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("httppoll: headers: %s: %w", name, err))
				continue
			}
			v = strings.TrimSpace(string(b))
			if v == "" {
				errs = append(errs, fmt.Errorf("httppoll: headers: %s: %s is empty", name, file))
				continue
			}
		}
		if strings.ContainsAny(v, "\r\n") {
			errs = append(errs, fmt.Errorf("httppoll: headers: %s: the secret holds a line break", name))
			continue
		}
		h.Set(name, prefix+v)
	}
	return h, errors.Join(errs...)
}
