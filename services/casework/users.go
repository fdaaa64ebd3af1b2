package casework

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"
)

// EnvUsers names the users file: YAML (or JSON) with bcrypt hashes.
const EnvUsers = "CIVICBUS_CASEWORK_USERS"

// Role is what a user may do.
type Role string

// The roles: a caseworker (handläggare) works their units' cases; a
// supervisor also sees the automation's statistics for their units; an
// admin sees every unit's cases and statistics but makes no decisions.
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// User is a local user of the demo. Username is the staff id that the
// user's decisions and entries carry.
type User struct {
	Username     string   `yaml:"username" json:"username"`
	Name         string   `yaml:"name" json:"name"`
	Role         Role     `yaml:"role" json:"role"`
	Units        []string `yaml:"units" json:"units"`
	PasswordHash string   `yaml:"password_hash" json:"-"`
}

// Sees reports whether u may see a case of unit.
func (u *User) Sees(unit string) bool { return u.Role == RoleAdmin || slices.Contains(u.Units, unit) }

// Decides reports whether u may act on cases (confirm, override, assign).
func (u *User) Decides() bool { return u.Role == RoleCaseworker || u.Role == RoleSupervisor }

// Users are the local users by username.
type Users map[string]*User

var staffID = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)

// LoadUsers reads a users file: a YAML or JSON list under "users". Every
// problem is reported, by user position and field, never with a hash.
func LoadUsers(path string) (Users, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("casework: users file: %w", err)
	}
	var f struct {
		Users []*User `yaml:"users"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("casework: users file %s: %w", path, err)
	}
	users := Users{}
	var errs []error
	for i, u := range f.Users {
		bad := func(msg string) { errs = append(errs, fmt.Errorf("users[%d]: %s", i, msg)) }
		switch {
		case !staffID.MatchString(u.Username):
			bad("username must be a staff id (letters, digits, . _ : @ -)")
		case users[u.Username] != nil:
			bad("username is given twice")
		}
		if !slices.Contains([]Role{RoleCaseworker, RoleSupervisor, RoleAdmin}, u.Role) {
			bad("role must be caseworker, supervisor or admin")
		}
		if u.Role != RoleAdmin && len(u.Units) == 0 {
			bad("units: a caseworker or supervisor needs at least one unit")
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			bad("password_hash is not a bcrypt hash")
		}
		users[u.Username] = u
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("casework: users file %s: %w", path, err)
	}
	return users, nil
}

// dummyHash keeps a sign-in with an unknown name as slow as one with a
// wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)

// Authenticate returns the user whose name and password match, or nil.
func (us Users) Authenticate(username, password string) *User {
	u := us[username]
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		return nil
	}
	return u
}
