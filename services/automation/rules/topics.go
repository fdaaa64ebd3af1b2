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

// Projections lists, sorted, the projections (lookups) that the evaluating
// rules triggered by topic read: projections fed by other topics, which
// their handler must not run ahead of.
func (e *Engine) Projections(topic string) []string {
	var out []string
	for _, c := range e.byEvent[topic] {
		for _, l := range c.lookups {
			if !slices.Contains(out, l.projection) {
				out = append(out, l.projection)
			}
		}
	}
	slices.Sort(out)
	return out
}
