package portal

import (
	"context"
	stdhtml "html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAPIPageExamplesRun: every curl example of the page about the APIs
// runs as it stands when copied into a shell: it names a dataset of the
// catalog, not a placeholder ({id} went to curl as a glob and to the
// portal as the dataset "id", a 404), and a URL with brackets carries -g
// (without it curl refused the package_search example: "bad range", exit
// 3). Each example's URL answers 200.
func TestAPIPageExamplesRun(t *testing.T) {
	s := newSeeded(t)
	_, body := html(t, s, "/api")
	var lines []string
	for _, pre := range regexp.MustCompile(`(?s)<pre[^>]*><code>(.*?)</code></pre>`).FindAllStringSubmatch(body, -1) {
		for l := range strings.SplitSeq(stdhtml.UnescapeString(pre[1]), "\n") {
			if strings.HasPrefix(l, "curl ") {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) < 7 {
		t.Fatalf("%d curl examples on /api, want at least 7:\n%s", len(lines), body)
	}
	for _, l := range lines {
		fields := strings.Fields(l)
		u := strings.Trim(fields[len(fields)-1], "'")
		if strings.ContainsAny(u, "{}") {
			t.Errorf("%s: a placeholder", l)
		}
		if strings.ContainsAny(u, "[]") && !strings.Contains(l, " -g ") {
			t.Errorf("%s: curl globs the brackets without -g", l)
		}
		if !strings.HasPrefix(u, "https://data.vasteras.se/") {
			t.Errorf("%s: not on the portal's base URL", l)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.srv.URL+strings.TrimPrefix(u, "https://data.vasteras.se"), nil)
		resp, err := http.DefaultClient.Do(req) // the status only: /events streams
		if err != nil {
			t.Errorf("%s: %v", l, err)
		} else {
			if resp.StatusCode != 200 {
				t.Errorf("%s: %d", l, resp.StatusCode)
			}
			resp.Body.Close()
		}
		cancel()
	}
}
