package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// actorText names an actor in Swedish: "regel X version 3".
func actorText(kind, id, version string) string {
	name := map[string]string{"rule": "regel", "model": "modell", "person": "handläggare", "system": "systemet"}[kind]
	if name == "" {
		name = kind
	}
	if version != "" {
		return fmt.Sprintf("%s %s version %s", name, id, version)
	}
	return name + " " + id
}

func outcomeText(o string) string {
	switch o {
	case "completed":
		return "klart"
	case "referred":
		return "till handläggare"
	}
	return o
}

func kindText(k string) string {
	return map[string]string{
		KindOpened: "Ärendet öppnat", KindStep: "Steg klart", KindDecision: "Beslut", KindAmended: "Ändrat beslut",
		KindClosed: "Ärendet avslutat", KindComment: "Kommentar", KindAssigned: "Tilldelat", KindConfirmed: "Beslut bekräftat",
	}[k]
}

func roleText(r Role) string {
	return map[Role]string{RoleCaseworker: "handläggare", RoleSupervisor: "arbetsledare", RoleAdmin: "administratör"}[r]
}

func formatPct(f float64) string { return strings.Replace(fmt.Sprintf("%.1f %%", 100*f), ".", ",", 1) }

// assignable lists the users a case of unit can be assigned to: those who
// decide and see the unit, local ones and those who have signed in by
// OpenID Connect, by username.
func (s *Service) assignable(ctx context.Context, unit string) ([]*User, error) {
	var out []*User
	for _, u := range s.cfg.Users {
		if u.Decides() && u.Sees(unit) {
			out = append(out, u)
		}
	}
	people, err := s.store.people(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range people {
		if u.Decides() && u.Sees(unit) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// user is the local user or the person signed in by OpenID Connect of
// username, or nil.
func (s *Service) user(ctx context.Context, username string) (*User, error) {
	if u := s.cfg.Users[username]; u != nil {
		return u, nil
	}
	people, err := s.store.people(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range people {
		if u.Username == username {
			return u, nil
		}
	}
	return nil, nil
}
