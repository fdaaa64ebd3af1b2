package rules

import (
	"maps"
	"slices"
)

// TriggerTopics lists the topics whose events trigger an evaluating rule
// or open a case (a case type's opened_by), sorted: what the automation
// service subscribes to.
func (e *Engine) TriggerTopics() []string {
	topics := slices.Collect(maps.Keys(e.byEvent))
	for t := range e.openings {
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	slices.Sort(topics)
	return topics
}

// ReadsProjections reports whether an evaluating rule triggered by topic
// reads a lookup: a projection fed by another topic, which its handler
// must not run ahead of.
func (e *Engine) ReadsProjections(topic string) bool {
	for _, c := range e.byEvent[topic] {
		if len(c.lookups) > 0 {
			return true
		}
	}
	return false
}
