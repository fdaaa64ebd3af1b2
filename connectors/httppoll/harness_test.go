package httppoll_test

import (
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/httppoll"
)

const weatherTopic = "roads.weather-observation.v1"

// env is one test's world; see connectortest.Env.
type env = connectortest.Env

func newEnv(t *testing.T) *env {
	t.Helper()
	return connectortest.New(t, registry(t), weatherTopic)
}

func registry(t testing.TB) *connectors.Registry {
	return connectortest.Registry(t, httppoll.Kind())
}

var (
	waitFor = connectortest.WaitFor
	unique  = connectortest.Unique
)
