package rules

import (
	"maps"
	"slices"
)

// TriggerTopics lists the topics whose events trigger an evaluating rule,
// sorted: what the automation service subscribes to.
func (e *Engine) TriggerTopics() []string {
	return slices.Sorted(maps.Keys(e.byEvent))
}
