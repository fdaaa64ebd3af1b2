package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vasteras/civicbus/services/automation/rules"
)

const rulesHelp = `usage: civicbus rules check <dir>
       civicbus rules test <dir>

The automation's case types and rules: YAML files (kind: case-type, rule,
rule-test) in a directory, as CIVICBUS_RULES_DIR names for the service.

  check  load every file: strict YAML, each rule type-checked against the
         event catalog (every field it reads must exist; reasons may not
         print personal data); every problem as file:line: rule <id>: …;
         exits 1 on any
  test   run the rule tests (kind: rule-test): given events and lookup
         fixtures, the decisions expected; prints each failure; exits 1 on any
`

var rulesSynopsis = map[string]string{
	"check": "civicbus rules check <dir>",
	"test":  "civicbus rules test <dir>",
}

// cmdRules is `civicbus rules check|test <dir>`.
func (c *cli) cmdRules(_ context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("rules: say check or test (civicbus help rules)")}
	}
	verb, rest := args[0], args[1:]
	if _, ok := rulesSynopsis[verb]; !ok {
		return usageError{fmt.Errorf("rules: unknown verb %q; say check or test", verb)}
	}
	f := newFlags("rules "+verb, rulesSynopsis[verb])
	pos, done, err := c.parseInterleaved(f, rest)
	if done {
		return err
	}
	if len(pos) != 1 {
		return usageError{fmt.Errorf("rules %s: give one directory", verb)}
	}
	dir := pos[0]
	if verb == "check" {
		if err := rules.Check(dir); err != nil {
			var ps rules.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					fmt.Fprintln(c.stdout, p.Error())
				}
				return fmt.Errorf("rules check: %d problems", len(ps))
			}
			return err
		}
		fmt.Fprintf(c.stdout, "%s: ok\n", dir)
		return nil
	}
	rep, err := rules.RunTests(dir)
	if err != nil {
		return err
	}
	fmt.Fprint(c.stdout, rep.String())
	if n := rep.Failed(); n > 0 {
		return fmt.Errorf("rules test: %d of %d cases failed", n, len(rep.Results))
	}
	return nil
}
