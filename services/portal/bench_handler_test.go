package portal

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// BenchmarkHandlers calls each load-benchmark endpoint's handler directly,
// one request after another, on the load catalog (see BenchmarkLoad): the
// CPU cost of a request without the network or other clients, steadier
// than the load run on a shared machine, for profiling
// (-cpuprofile). "ceiling" is the bare JSON handler.
//
//	go test -run '^$' -bench Handlers ./services/portal/
func BenchmarkHandlers(b *testing.B) {
	srv := loadPortal(b)
	h := srv.Config.Handler
	ceiling := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true,"result":{"name":"ceiling","count":42}}`)
	})
	bigID := datasetIDOf(loadBigName)
	for _, c := range []struct {
		name string
		h    http.Handler
		url  func(*rand.Rand) string
	}{
		{"ceiling", ceiling, func(*rand.Rand) string { return "/" }},
		{"package_show", h, func(r *rand.Rand) string { return "/api/3/action/package_show?id=" + loadName(r.IntN(loadDatasets)) }},
		{"package_search+facets", h, func(r *rand.Rand) string {
			return "/api/3/action/package_search?" + url.Values{"q": {loadWords[r.IntN(len(loadWords))]},
				"facet.field": {`["tags","organization","license_id","res_format"]`}, "rows": {"10"}}.Encode()
		}},
		{"datastore_search@990k", h, func(r *rand.Rand) string {
			return "/api/3/action/datastore_search?resource_id=" + bigID + "&limit=100&offset=" + strconv.Itoa(990_000+r.IntN(9_900))
		}},
		{"v1_rows@990k", h, func(r *rand.Rand) string {
			c := newCursorCodec(loadCursorKey).encode(cursor{Kind: "rows", Dataset: bigID, Version: 1, Row: int64(990_000 + r.IntN(9_900))})
			return "/api/v1/datasets/" + bigID + "/rows?limit=100&cursor=" + url.QueryEscape(c)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, c.url(rnd), nil)
				req.RemoteAddr = "127.0.0.1:1234"
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", req.URL, w.Code)
				}
			}
		})
	}
}
