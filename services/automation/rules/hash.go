package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MarshalYAML writes a Text as its value alone, so that a rule's content
// does not depend on the lines it was written on.
func (t Text) MarshalYAML() (any, error) { return t.Value, nil }

// ContentHash is the SHA-256 (hex) of what a rule version decides: its
// case type and step, trigger, inputs, outcomes, legal basis and
// delegation — not its file, lines, comments or layout, and not Active
// (retiring a version is no change to it).
func (r *Rule) ContentHash() string {
	c := *r
	c.Active = false
	b, err := yaml.Marshal(&c) // map keys sorted: one text per content
	if err != nil {
		panic(fmt.Sprintf("rules: a loaded rule does not marshal: %v", err)) // cannot happen: it was unmarshalled
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RuleVersion is one loaded version of a rule and where it was written.
type RuleVersion struct {
	ID      string
	Version int
	Hash    string
	File    string
	Line    int
}

// RuleVersions lists every loaded rule version, by id and version.
func (e *Engine) RuleVersions() []RuleVersion {
	var out []RuleVersion
	for _, vs := range e.versions {
		for _, c := range vs {
			out = append(out, RuleVersion{ID: c.rule.ID.Value, Version: c.rule.Version, Hash: c.rule.ContentHash(), File: c.file, Line: c.rule.ID.Line})
		}
	}
	slices.SortFunc(out, func(a, b RuleVersion) int {
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out
}

// CheckUnchanged compares every loaded rule version with the content hash
// recorded for that id and version when it was first loaded (known returns
// it, ok false for a version never seen) and returns a [Problems] naming
// each version whose content changed without a new version, or nil. A
// decision already recorded names the rule's id and version: if the
// content under them could change, the record would no longer say what
// decided.
func (e *Engine) CheckUnchanged(known func(id string, version int) (hash string, ok bool)) error {
	var ps Problems
	for _, v := range e.RuleVersions() {
		h, ok := known(v.ID, v.Version)
		if ok && h != v.Hash {
			ps = append(ps, Problem{File: v.File, Line: v.Line, Rule: v.ID, Msg: fmt.Sprintf(
				"version %d changed since it was first loaded (content %.12s…, recorded %.12s…): a change to a rule is a new version; give it version %d and keep this one as it was",
				v.Version, v.Hash, h, e.maxVersion(v.ID)+1)})
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func (e *Engine) maxVersion(id string) int {
	m := 0
	for _, c := range e.versions[id] {
		m = max(m, c.rule.Version)
	}
	return m
}
