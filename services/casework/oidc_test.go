package casework

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// provider is an OpenID Connect provider inside the test, speaking the
// real protocol: discovery, a JWKS, an authorization endpoint that demands
// PKCE (S256) and a nonce, and a token endpoint that checks the client,
// the redirect URL and the code verifier and answers with an RS256 ID
// token signed by go-jose. The test sets whose claims the next sign-in
// carries, and what goes wrong with it.
type provider struct {
	t      *testing.T
	srv    *httptest.Server
	signer jose.Signer
	key    *rsa.PrivateKey

	mu       sync.Mutex
	claims   map[string]any // the next user's claims
	nonce    string         // when set, the ID token's nonce instead of the one asked for
	expired  bool           // the ID token expired an hour ago
	foreign  bool           // the ID token is signed by another key
	grants   map[string]grant
	redirect string // the registered redirect URL
	tokens   int    // ID tokens issued
	logouts  []url.Values
}

type grant struct {
	nonce, challenge string
	claims           map[string]any
}

const (
	testClientID     = "casework-test"
	testClientSecret = "s3cret-of-the-client"
)

func newProvider(t *testing.T) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, signer: rsaSigner(t, key), grants: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /logout", p.logout)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func rsaSigner(t *testing.T, key *rsa.PrivateKey) jose.Signer {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (p *provider) discovery(w http.ResponseWriter, _ *http.Request) {
	u := p.srv.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"end_session_endpoint":                  u + "/logout",
	})
}

// logout is the provider's end_session_endpoint (RP-Initiated Logout): it
// records the request and sends the browser back where it was asked to.
func (p *provider) logout(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.logouts = append(p.logouts, r.URL.Query())
	p.mu.Unlock()
	http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
}

func (p *provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// authorize signs the test's user in at once and redirects back with a
// code, after checking the request as a real provider would.
func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != testClientID, q.Get("redirect_uri") != p.redirect,
		!slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		http.Error(w, "invalid_request", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE with S256 is required", http.StatusBadRequest)
		return
	case q.Get("nonce") == "" || q.Get("state") == "":
		http.Error(w, "nonce and state are required", http.StatusBadRequest)
		return
	}
	code := randomToken()
	p.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), claims: p.claims}
	back, _ := url.Parse(p.redirect)
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, known := p.grants[r.PostFormValue("code")]
	delete(p.grants, r.PostFormValue("code")) // a code is used once
	switch {
	case id != testClientID || secret != testClientSecret:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	case r.PostFormValue("grant_type") != "authorization_code" || !known || r.PostFormValue("redirect_uri") != p.redirect:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case s256(r.PostFormValue("code_verifier")) != g.challenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": p.srv.URL, "sub": "subject-1", "aud": testClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
	if p.nonce != "" {
		claims["nonce"] = p.nonce
	}
	if p.expired {
		claims["iat"], claims["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	}
	for k, v := range g.claims {
		claims[k] = v
	}
	signer := p.signer
	if p.foreign {
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			p.t.Error(err)
		}
		signer = rsaSigner(p.t, other)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		p.t.Error(err)
	}
	p.tokens++
	writeJSON(w, http.StatusOK, map[string]any{"access_token": randomToken(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// set makes the next sign-in's claims and faults.
func (p *provider) set(claims map[string]any, nonce string, expired, foreign bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claims, p.nonce, p.expired, p.foreign = claims, nonce, expired, foreign
}

// oidcWeb is newWeb with sign-in by p: a role map of directory roles and a
// unit map of directory groups, as a municipality's directory would give
// them.
func oidcWeb(t *testing.T, dsn string, p *provider, logs *syncBuffer) *web {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	p.redirect = "http://" + srv.Listener.Addr().String() + "/casework/oidc/callback"
	s, conn := start(t, dsn, func(c *Config) {
		c.OIDC = &OIDC{Issuer: p.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: p.redirect,
			Scopes: []string{"profile", "groups"}, UnitsClaim: "groups",
			RoleMap: map[string]Role{"vk-handlaggare": RoleCaseworker, "vk-enhetschef": RoleSupervisor},
			UnitMap: map[string]string{"grp-bun-placering": "forskoleplacering", "grp-vof-hemtjanst": "hemtjanst"}}
		if logs != nil {
			c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		}
	})
	publish(t, conn, append(caseEvents(1, "forskoleplacering", false), caseEvents(2, "hemtjanst", true)...))
	waitFor(t, "the fixture cases", func() bool {
		a, _ := s.store.timeline(context.Background(), uid(100))
		b, _ := s.store.timeline(context.Background(), uid(200))
		return len(a) == 4 && len(b) == 5
	})
	s.Mount(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	return &web{s: s, srv: srv, conn: conn}
}

// oidcSignIn goes through the sign-in from the casework's button to its
// callback, following each redirect by hand so that tamper may change the
// callback's URL, and returns the client and the callback's status and
// page.
func (w *web) oidcSignIn(t *testing.T, tamper func(*url.URL)) (*client, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := w.srv.URL + "/casework/oidc/login"
	for range 5 {
		u, _ := url.Parse(next)
		if u.Path == "/casework/oidc/callback" && tamper != nil {
			tamper(u)
		}
		resp, err := hc.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			hc.CheckRedirect = nil
			return &client{t: t, w: w, http: hc}, resp.StatusCode, string(body)
		}
		loc, _ := resp.Location()
		next = loc.String()
	}
	t.Fatal("too many redirects")
	return nil, 0, ""
}

// TestOIDCSignIn: a caseworker of the directory signs in by the
// authorization-code flow with PKCE; her role and unit come from the ID
// token's claims through the maps; she sees her unit's case and not
// another's, acts under her own name with the session's CSRF token, and
// signing out ends the session. Local users still sign in beside her, and
// may assign her their unit's cases.
func TestOIDCSignIn(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		p := newProvider(t)
		w := oidcWeb(t, dsn, p, nil)
		p.set(map[string]any{"preferred_username": "eva.ek", "name": "Eva Ek", "roles": []string{"vk-handlaggare", "vk-lasare"},
			"groups": []string{"grp-alla", "grp-bun-placering"}}, "", false, false)
		eva, status, page := w.oidcSignIn(t, nil)
		if status != http.StatusOK || !strings.Contains(page, `http-equiv="refresh" content="0; url=/casework/"`) {
			t.Fatalf("callback: %d\n%s", status, page)
		}
		p.mu.Lock()
		if p.tokens != 1 {
			t.Fatalf("the provider issued %d ID tokens, want 1", p.tokens)
		}
		p.mu.Unlock()
		_, inbox := eva.get("/casework/")
		m := csrfField.FindStringSubmatch(inbox)
		if m == nil || !strings.Contains(inbox, "Eva Ek (handläggare)") {
			t.Fatalf("no session after the sign-in:\n%s", inbox)
		}
		eva.csrf = m[1]
		var list struct{ Cases []Case }
		if st := eva.json("/casework/api/cases", &list); st != 200 || len(list.Cases) != 1 || list.Cases[0].ID != uid(100) {
			t.Fatalf("eva's inbox: %d %+v", st, list.Cases)
		}
		if st, _ := eva.get("/casework/api/cases/" + uid(200)); st != http.StatusNotFound {
			t.Errorf("eva read hemtjanst's case: %d", st)
		}
		if st, _ := eva.get("/casework/supervisor"); st != http.StatusForbidden {
			t.Errorf("a caseworker opened the supervisor view: %d", st)
		}
		if st, _ := eva.post("/casework/cases/"+uid(100)+"/comment", url.Values{"text": {"Ringer vårdnadshavaren."}}); st != http.StatusOK {
			t.Fatalf("eva's comment: %d", st)
		}
		tl, _ := w.s.store.timeline(context.Background(), uid(100))
		if last := tl[len(tl)-1]; last.Kind != KindComment || last.ActorID != "eva.ek" {
			t.Errorf("the comment's entry: %+v", last)
		}
		// Signing out ends the provider's session too, and comes back to
		// the sign-in page.
		if st, page := eva.post("/casework/logout", url.Values{}); st != http.StatusOK || !strings.Contains(page, `href="/casework/oidc/login"`) {
			t.Errorf("sign out: %d\n%s", st, page)
		}
		p.mu.Lock()
		if len(p.logouts) != 1 || p.logouts[0].Get("client_id") != testClientID ||
			p.logouts[0].Get("post_logout_redirect_uri") != strings.TrimSuffix(p.redirect, "oidc/callback")+"login" {
			t.Errorf("the provider's end-session requests: %v", p.logouts)
		}
		p.mu.Unlock()
		if st, _ := eva.get("/casework/api/cases"); st != http.StatusUnauthorized {
			t.Errorf("after signing out: %d", st)
		}

		// A supervisor of the other unit, by a single-valued claim.
		p.set(map[string]any{"preferred_username": "sven", "roles": "vk-enhetschef", "groups": "grp-vof-hemtjanst"}, "", false, false)
		sven, status, _ := w.oidcSignIn(t, nil)
		if status != http.StatusOK {
			t.Fatalf("supervisor's callback: %d", status)
		}
		if st := sven.json("/casework/api/cases", &list); st != 200 || len(list.Cases) != 1 || list.Cases[0].ID != uid(200) {
			t.Fatalf("sven's inbox: %d %+v", st, list.Cases)
		}
		if st, _ := sven.get("/casework/supervisor"); st != http.StatusOK {
			t.Errorf("the supervisor view for a supervisor: %d", st)
		}
		if _, login := w.anonymous(t).get("/casework/login"); !strings.Contains(login, `href="/casework/oidc/login"`) {
			t.Error("the sign-in page has no way to sign in with the provider")
		}
		// The demo's local users still sign in, and can assign a case to
		// a person of their unit who has signed in by the provider.
		anna := w.login(t, "anna")
		_, page = anna.get("/casework/cases/" + uid(100))
		if !strings.Contains(page, `<option value="eva.ek"`) || strings.Contains(page, `<option value="sven"`) {
			t.Errorf("anna's assignees:\n%s", page)
		}
		if st, _ := anna.post("/casework/cases/"+uid(100)+"/assign", url.Values{"assignee": {"eva.ek"}}); st != http.StatusOK {
			t.Fatalf("assign to eva: %d", st)
		}
		if c, _ := w.s.store.caseByID(context.Background(), uid(100)); c.Assignee != "eva.ek" {
			t.Errorf("assignee %q, want eva.ek", c.Assignee)
		}
		if st, _ := anna.post("/casework/cases/"+uid(100)+"/assign", url.Values{"assignee": {"sven"}}); st != http.StatusBadRequest {
			t.Errorf("assign to another unit's supervisor: %d", st)
		}
	})
}

// TestOIDCRefusals: a wrong nonce, a wrong or missing state, an expired
// ID token, one signed by another key, no role, only unknown roles, no
// unit, and a username that is a local user's are each refused, start no
// session, and are logged by reason without the username.
func TestOIDCRefusals(t *testing.T) {
	var logs syncBuffer
	p := newProvider(t)
	w := oidcWeb(t, filepath.Join(t.TempDir(), "c.db"), p, &logs)
	good := map[string]any{"preferred_username": "eva.ek", "roles": []string{"vk-handlaggare"}, "groups": []string{"grp-bun-placering"}}
	without := func(k string) map[string]any {
		m := map[string]any{}
		for kk, v := range good {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	with := func(k string, v any) map[string]any { m := without(k); m[k] = v; return m }
	for _, tc := range []struct {
		name, reason    string
		claims          map[string]any
		nonce           string
		expired, forged bool
		tamper          func(*url.URL)
	}{
		{name: "wrong nonce", reason: "oidc nonce wrong", claims: good, nonce: "another-nonce"},
		{name: "wrong state", reason: "oidc state missing or wrong", claims: good, tamper: func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged-state")
			u.RawQuery = q.Encode()
		}},
		{name: "no state", reason: "oidc state missing or wrong", claims: good, tamper: func(u *url.URL) {
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
		}},
		{name: "expired token", reason: "oidc id token expired", claims: good, expired: true},
		{name: "token of another key", reason: "oidc id token not valid", claims: good, forged: true},
		{name: "no role claim", reason: "oidc token gives no role", claims: without("roles")},
		{name: "unknown roles only", reason: "oidc token gives no role", claims: with("roles", []string{"vk-lasare", "admin"})},
		{name: "no unit", reason: "oidc token gives no unit", claims: with("groups", []string{"grp-alla"})},
		{name: "a local user's name", reason: "oidc username is a local user's", claims: with("preferred_username", "anna")},
		{name: "no username", reason: "oidc username claim missing or not a staff id", claims: without("preferred_username")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.set(tc.claims, tc.nonce, tc.expired, tc.forged)
			before := logs.String()
			c, status, page := w.oidcSignIn(t, tc.tamper)
			if status != http.StatusForbidden || !strings.Contains(page, "Logga in igen") && !strings.Contains(page, "behörighet") {
				t.Errorf("status %d, page:\n%s", status, page)
			}
			if st, _ := c.get("/casework/api/cases"); st != http.StatusUnauthorized {
				t.Errorf("a refused sign-in left a session: %d", st)
			}
			if added := strings.TrimPrefix(logs.String(), before); !strings.Contains(added, tc.reason) {
				t.Errorf("log lacks %q:\n%s", tc.reason, added)
			}
		})
	}
	if out := logs.String(); strings.Contains(out, "eva.ek") || strings.Contains(out, testClientSecret) {
		t.Errorf("the log names the user or the secret:\n%s", out)
	}
}

// TestOIDCFromEnv: the settings from the environment, with defaults and
// maps; missing ones named together, never the secret; no issuer, no
// OpenID Connect.
func TestOIDCFromEnv(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(testClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		EnvOIDCIssuer: "https://login.vasteras.se", EnvOIDCClientID: "casework", EnvOIDCSecretFile: secret,
		EnvOIDCRedirectURL: "https://civicbus.vasteras.se/casework/oidc/callback", EnvOIDCScopes: "profile groups",
		EnvOIDCUnitsClaim: "groups", EnvOIDCRoleMap: "vk-handlaggare=caseworker, vk-enhetschef=supervisor",
		EnvOIDCUnitMap: "grp-bun-placering=forskoleplacering",
	}
	o, err := OIDCFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	o.setDefaults()
	if o.ClientSecret != testClientSecret || o.RolesClaim != "roles" || o.UnitsClaim != "groups" || o.UsernameClaim != "preferred_username" ||
		o.RoleMap["vk-enhetschef"] != RoleSupervisor || o.UnitMap["grp-bun-placering"] != "forskoleplacering" || len(o.Scopes) != 2 {
		t.Errorf("settings: %+v", o)
	}
	env[EnvOIDCRoleMap] = "vk-chef=boss"
	delete(env, EnvOIDCClientID)
	_, err = OIDCFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "client id") || !strings.Contains(err.Error(), `"boss"`) || strings.Contains(err.Error(), testClientSecret) {
		t.Errorf("bad settings: %v", err)
	}
	if o, err := OIDCFromEnv(func(string) string { return "" }); o != nil || err != nil {
		t.Errorf("no issuer: %v %v", o, err)
	}
}
