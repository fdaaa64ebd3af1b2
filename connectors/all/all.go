// Package all lists every built-in connector kind, in one place.
package all

import (
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/filedrop"
	"github.com/vasteras/civicbus/connectors/httppoll"
	"github.com/vasteras/civicbus/connectors/mqtt"
	"github.com/vasteras/civicbus/connectors/simulate"
	"github.com/vasteras/civicbus/connectors/sqlpoll"
	"github.com/vasteras/civicbus/connectors/webhook"
)

// Kinds returns every built-in connector kind.
func Kinds() []connectors.Kind {
	return []connectors.Kind{
		filedrop.Kind(),
		httppoll.Kind(),
		mqtt.Kind(),
		simulate.Kind(),
		sqlpoll.Kind(),
		webhook.Kind(),
	}
}

// Registry returns a new registry of the built-in kinds.
func Registry() *connectors.Registry {
	r, err := connectors.NewRegistry(Kinds()...)
	if err != nil {
		panic(err) // the list above is wrong: a programming error, caught by its test
	}
	return r
}
