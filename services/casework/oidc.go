package casework

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The environment of OpenID Connect sign-in (OIDCFromEnv). Only the
// issuer, the client id, the client secret's file and the redirect URL are
// required; without an issuer there is no OpenID Connect sign-in.
const (
	EnvOIDCIssuer        = "CIVICBUS_CASEWORK_OIDC_ISSUER"             // the provider's issuer URL (discovery at /.well-known/openid-configuration)
	EnvOIDCClientID      = "CIVICBUS_CASEWORK_OIDC_CLIENT_ID"          // the client id registered with the provider
	EnvOIDCSecretFile    = "CIVICBUS_CASEWORK_OIDC_CLIENT_SECRET_FILE" // a file holding the client secret
	EnvOIDCRedirectURL   = "CIVICBUS_CASEWORK_OIDC_REDIRECT_URL"       // https://host/casework/oidc/callback, as registered
	EnvOIDCScopes        = "CIVICBUS_CASEWORK_OIDC_SCOPES"             // extra scopes, space-separated (openid is always asked for)
	EnvOIDCUsernameClaim = "CIVICBUS_CASEWORK_OIDC_USERNAME_CLAIM"     // default preferred_username
	EnvOIDCRolesClaim    = "CIVICBUS_CASEWORK_OIDC_ROLES_CLAIM"        // default roles
	EnvOIDCUnitsClaim    = "CIVICBUS_CASEWORK_OIDC_UNITS_CLAIM"        // default units
	EnvOIDCRoleMap       = "CIVICBUS_CASEWORK_OIDC_ROLE_MAP"           // claim value=role,…; default the role names themselves
	EnvOIDCUnitMap       = "CIVICBUS_CASEWORK_OIDC_UNIT_MAP"           // claim value=unit,…; default the values are the units
)

// OIDC configures sign-in with an OpenID Connect provider: the
// authorization-code flow with PKCE (S256), state and nonce checked, the
// ID token's signature, issuer, audience and expiry verified by
// coreos/go-oidc.
//
// The user's role comes from the RolesClaim of the ID token (a string or a
// list of strings), each value mapped by RoleMap (by default the values
// caseworker, supervisor and admin are those roles); values that map to no
// role are ignored, and a token with none is refused: no role, no access.
// With several, the user gets the one with the most rights (caseworker,
// then supervisor, then admin). The units come from UnitsClaim the same
// way: by UnitMap when it is set (e.g. directory groups to units; groups
// not in it are ignored), else the values are the units. A caseworker or
// supervisor without a unit is refused. The username (UsernameClaim) must
// be a staff id and must not be a local user's name.
type OIDC struct {
	Issuer        string
	ClientID      string
	ClientSecret  string
	RedirectURL   string
	Scopes        []string // besides openid
	UsernameClaim string   // default "preferred_username"
	RolesClaim    string   // default "roles"
	UnitsClaim    string   // default "units"
	RoleMap       map[string]Role
	UnitMap       map[string]string
	// HTTPClient reaches the provider; nil: http.DefaultClient.
	HTTPClient *http.Client
}

// OIDCFromEnv reads the OpenID Connect settings from getenv (os.Getenv
// when nil): nil when no issuer is set, an error naming every missing or
// malformed setting (never the secret).
func OIDCFromEnv(getenv func(string) string) (*OIDC, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv(EnvOIDCIssuer) == "" {
		return nil, nil
	}
	o := &OIDC{Issuer: getenv(EnvOIDCIssuer), ClientID: getenv(EnvOIDCClientID), RedirectURL: getenv(EnvOIDCRedirectURL),
		Scopes: strings.Fields(getenv(EnvOIDCScopes)), UsernameClaim: getenv(EnvOIDCUsernameClaim),
		RolesClaim: getenv(EnvOIDCRolesClaim), UnitsClaim: getenv(EnvOIDCUnitsClaim)}
	var errs []error
	if f := getenv(EnvOIDCSecretFile); f == "" {
		errs = append(errs, fmt.Errorf("%s: the client secret's file is required", EnvOIDCSecretFile))
	} else if b, err := os.ReadFile(f); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvOIDCSecretFile, err))
	} else {
		o.ClientSecret = strings.TrimSpace(string(b))
	}
	roles, err := pairs(getenv(EnvOIDCRoleMap))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvOIDCRoleMap, err))
	}
	for k, v := range roles {
		if o.RoleMap == nil {
			o.RoleMap = map[string]Role{}
		}
		o.RoleMap[k] = Role(v)
	}
	if o.UnitMap, err = pairs(getenv(EnvOIDCUnitMap)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvOIDCUnitMap, err))
	}
	if err := o.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("casework: OpenID Connect settings: %w", err)
	}
	return o, nil
}

// pairs reads "a=b,c=d".
func pairs(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[string]string{}
	for p := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not claim-value=name", p)
		}
		m[k] = v
	}
	return m, nil
}

func (o *OIDC) setDefaults() {
	if o.UsernameClaim == "" {
		o.UsernameClaim = "preferred_username"
	}
	if o.RolesClaim == "" {
		o.RolesClaim = "roles"
	}
	if o.UnitsClaim == "" {
		o.UnitsClaim = "units"
	}
	if o.RoleMap == nil {
		o.RoleMap = map[string]Role{string(RoleCaseworker): RoleCaseworker, string(RoleSupervisor): RoleSupervisor, string(RoleAdmin): RoleAdmin}
	}
}

// validate reports every missing setting.
func (o *OIDC) validate() error {
	var errs []error
	for name, v := range map[string]string{"issuer": o.Issuer, "client id": o.ClientID, "client secret": o.ClientSecret, "redirect URL": o.RedirectURL} {
		if v == "" {
			errs = append(errs, fmt.Errorf("the %s is required", name))
		}
	}
	for k, r := range o.RoleMap {
		if !slices.Contains(roleOrder, r) {
			errs = append(errs, fmt.Errorf("role map: %q maps to %q, not caseworker, supervisor or admin", k, r))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// roleOrder is the roles by rights, fewest first.
var roleOrder = []Role{RoleCaseworker, RoleSupervisor, RoleAdmin}

// oidcFlow is the running sign-in: the provider is discovered at the
// first sign-in (and again after a failure), so the service starts when
// the provider is down.
type oidcFlow struct {
	cfg      *OIDC
	mu       sync.Mutex
	provider *oidc.Provider
}

func (f *oidcFlow) ctx(ctx context.Context) context.Context {
	if f.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, f.cfg.HTTPClient)
	}
	return ctx
}

// oauth returns the client configuration and the ID token verifier.
func (f *oidcFlow) oauth(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(f.ctx(dctx), f.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("casework: discover the OpenID provider: %w", err)
		}
		f.provider = p
	}
	oc := &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, RedirectURL: f.cfg.RedirectURL,
		Endpoint: f.provider.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, f.cfg.Scopes...)}
	return oc, f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID}), nil
}

// endSessionURL is where the browser goes to end its session at the
// provider too (OpenID Connect RP-Initiated Logout 1.0): the provider's
// end_session_endpoint with the client id and, to come back to, the
// sign-in page next to the registered callback. ok is false when the
// provider names no such endpoint (or cannot be reached): then only the
// casework session ends.
func (f *oidcFlow) endSessionURL(ctx context.Context) (string, bool) {
	if _, _, err := f.oauth(ctx); err != nil {
		return "", false
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := f.provider.Claims(&meta); err != nil || meta.EndSession == "" {
		return "", false
	}
	u, err := url.Parse(meta.EndSession)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	q := u.Query()
	q.Set("client_id", f.cfg.ClientID)
	if back, ok := strings.CutSuffix(f.cfg.RedirectURL, "oidc/callback"); ok {
		q.Set("post_logout_redirect_uri", back+"login")
	}
	u.RawQuery = q.Encode()
	return u.String(), true
}

// oidcCookie carries the state, the nonce and the PKCE verifier from the
// start of a sign-in to its callback. It is SameSite=Lax, since the
// callback is a navigation from the provider's site (a Strict cookie
// would not be sent), HttpOnly, and lives ten minutes.
const oidcCookie = "casework_oidc"

// handleOIDCLogin starts a sign-in: it sends the browser to the provider
// with a fresh state, nonce and PKCE challenge.
func (s *Service) handleOIDCLogin(w http.ResponseWriter, r *http.Request) {
	oc, _, err := s.oidc.oauth(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusBadGateway, "Inloggningstjänsten svarar inte. Försök igen om en stund.", "oidc discovery", err)
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	c := s.cookie(oidcCookie, state+"."+nonce+"."+verifier, 600)
	c.SameSite = http.SameSiteLaxMode
	http.SetCookie(w, c)
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// handleOIDCCallback ends a sign-in: the state must be the cookie's, the
// code is exchanged with the PKCE verifier, the ID token verified and its
// nonce checked, and the user's role and units read from its claims.
// Every refusal is logged by reason, never with a claim's value.
func (s *Service) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	const again = " Logga in igen."
	ck, err := r.Cookie(oidcCookie)
	clear := s.cookie(oidcCookie, "", -1)
	clear.SameSite = http.SameSiteLaxMode
	http.SetCookie(w, clear) // one callback per sign-in
	var state, nonce, verifier string
	if err == nil {
		parts := strings.Split(ck.Value, ".")
		if len(parts) == 3 {
			state, nonce, verifier = parts[0], parts[1], parts[2]
		}
	}
	q := r.URL.Query()
	switch {
	case state == "" || !sameToken(q.Get("state"), state):
		s.refuse(w, r, http.StatusForbidden, "Inloggningen kunde inte kontrolleras (fel eller saknat state)."+again, "oidc state missing or wrong")
		return
	case q.Get("error") != "":
		s.refuse(w, r, http.StatusForbidden, "Inloggningstjänsten nekade inloggningen."+again, "oidc provider answered an error")
		return
	case q.Get("code") == "":
		s.refuse(w, r, http.StatusBadRequest, "Inloggningen saknar kod."+again, "oidc callback without a code")
		return
	}
	oc, verify, err := s.oidc.oauth(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusBadGateway, "Inloggningstjänsten svarar inte. Försök igen om en stund.", "oidc discovery", err)
		return
	}
	ctx, cancel := context.WithTimeout(s.oidc.ctx(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.refuse(w, r, http.StatusForbidden, "Inloggningen kunde inte slutföras."+again, "oidc code exchange failed")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.refuse(w, r, http.StatusForbidden, "Inloggningstjänsten gav ingen identitet."+again, "oidc token response without an id token")
		return
	}
	idt, err := verify.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		reason := "oidc id token not valid"
		if errors.As(err, &expired) {
			reason = "oidc id token expired"
		}
		s.refuse(w, r, http.StatusForbidden, "Inloggningen kunde inte kontrolleras (ogiltig identitet)."+again, reason)
		return
	}
	if !sameToken(idt.Nonce, nonce) {
		s.refuse(w, r, http.StatusForbidden, "Inloggningen kunde inte kontrolleras (fel nonce)."+again, "oidc nonce wrong")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.refuse(w, r, http.StatusForbidden, "Inloggningen kunde inte kontrolleras (ogiltig identitet)."+again, "oidc claims not readable")
		return
	}
	u, why := s.oidcUser(claims)
	if u == nil {
		s.refuse(w, r, http.StatusForbidden, "Ditt konto har inte behörighet till ärendehanteringen. Kontakta din administratör.", why)
		return
	}
	if err := s.startSession(w, r, u, true); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "start session", err)
		return
	}
	// A page, not a redirect: a redirect from the provider's navigation
	// would count as cross-site, and the Strict session cookie would not
	// go with it.
	s.render(w, http.StatusOK, "signedin.html", view{Title: "Inloggad"})
}

// oidcUser is the user that an ID token's claims make, or nil and why
// not (a reason for the log, without values).
func (s *Service) oidcUser(claims map[string]any) (*User, string) {
	o := s.oidc.cfg
	name, _ := claims[o.UsernameClaim].(string)
	if !staffID.MatchString(name) {
		return nil, "oidc username claim missing or not a staff id"
	}
	if s.cfg.Users[name] != nil {
		return nil, "oidc username is a local user's"
	}
	var role Role
	for _, v := range strs(claims[o.RolesClaim]) {
		if r, ok := o.RoleMap[v]; ok && slices.Index(roleOrder, r) > slices.Index(roleOrder, role) {
			role = r
		}
	}
	if role == "" {
		return nil, "oidc token gives no role"
	}
	var units []string
	for _, v := range strs(claims[o.UnitsClaim]) {
		if o.UnitMap != nil {
			v = o.UnitMap[v]
		}
		if v != "" && !slices.Contains(units, v) {
			units = append(units, v)
		}
	}
	if role != RoleAdmin && len(units) == 0 {
		return nil, "oidc token gives no unit"
	}
	display, _ := claims["name"].(string)
	if display == "" {
		display = name
	}
	return &User{Username: name, Name: display, Role: role, Units: units}, ""
}

// strs reads a claim that is a string or a list of strings.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
