package registry

import (
	"fmt"
	"strings"
)

// Mode is a compatibility mode, named as in Confluent Schema Registry.
type Mode string

// The compatibility modes. BACKWARD: consumers using the new schema can read
// data written with the old. FORWARD: consumers using the old schema can
// read data written with the new. FULL: both. The _TRANSITIVE forms check
// against every earlier version, the others against the latest only. NONE
// checks nothing.
const (
	Backward           Mode = "BACKWARD"
	BackwardTransitive Mode = "BACKWARD_TRANSITIVE"
	Forward            Mode = "FORWARD"
	ForwardTransitive  Mode = "FORWARD_TRANSITIVE"
	Full               Mode = "FULL"
	FullTransitive     Mode = "FULL_TRANSITIVE"
	None               Mode = "NONE"
)

// DefaultMode is the global mode until one is configured.
const DefaultMode = Backward

var modes = []Mode{Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive, None}

// ParseMode reads a mode name in any letter case.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToUpper(strings.TrimSpace(s)))
	if !m.Valid() {
		return "", fmt.Errorf("%w: %q; valid values are %s", ErrInvalidMode, s, modeList())
	}
	return m, nil
}

// Valid reports whether m is one of the modes.
func (m Mode) Valid() bool {
	for _, known := range modes {
		if m == known {
			return true
		}
	}
	return false
}

// Transitive reports whether m checks against every earlier version.
func (m Mode) Transitive() bool { return strings.HasSuffix(string(m), "_TRANSITIVE") }

// directions lists the directions m checks.
func (m Mode) directions() []Direction {
	switch m {
	case Backward, BackwardTransitive:
		return []Direction{DirBackward}
	case Forward, ForwardTransitive:
		return []Direction{DirForward}
	case Full, FullTransitive:
		return []Direction{DirBackward, DirForward}
	}
	return nil
}

func modeList() string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = strings.ToLower(string(m))
	}
	return strings.Join(names, ", ")
}
