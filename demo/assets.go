// Package demo is the Västerås demo that `civicbus run` starts on a fresh
// machine: the connector, dataset and rule definitions of connectors.d,
// datasets.d and rules.d, the licensed real data of data/ (CC0 and CC BY
// only, see data/SOURCES.md), and demo-only casework users, all embedded in
// the binary. Install writes them out under a directory of the data dir and
// seeds the drop folders, once: a second start keeps what is there.
//
// The YAML files are also usable from the repository root as they are
// (README.md says how); the tests of this package run them through the real
// connector runtime.
package demo

import "embed"

// files are the demo's definitions and data. `*.d` takes connectors.d,
// datasets.d and, once it exists, rules.d; of data/ the files that are
// seeded into drop folders, the sensor log that is replayed, and their
// sources.
//
//go:embed *.d data/SOURCES.md data/scb data/smhi data/ordonez casework-users.yaml
var files embed.FS

// SensorLog is the real home's binary-sensor log (data/ordonez, CC BY 4.0)
// that `civicbus run` replays onto its MQTT broker on the demo's first
// start, for the home-sensors connector; demo/replay parses it.
func SensorLog() []byte {
	b, err := files.ReadFile("data/ordonez/OrdonezA_Sensors.txt")
	if err != nil {
		panic("demo: the embedded sensor log is missing: " + err.Error())
	}
	return b
}

// SensorResident is the made-up pseudonym the replayed home's resident has.
const SensorResident = "res-a"

// SignIn is a demo casework user: public, demo-only credentials.
type SignIn struct {
	Username, Password, Role string
	Units                    []string
}

// SignIns are the users of casework-users.yaml with their passwords, for the
// start-up banner. A test checks that each password matches its hash.
var SignIns = []SignIn{
	{"anna", "demo-anna", "caseworker", []string{"forskoleplacering", "sim-forskoleplacering"}},
	{"bo", "demo-bo", "caseworker", []string{"hemtjanst"}},
	{"maja", "demo-maja", "caseworker", []string{"maltidsservice"}},
	{"gustav", "demo-gustav", "caseworker", []string{"gata-park", "lokalforsorjning"}},
	{"cecilia", "demo-cecilia", "supervisor", []string{"forskoleplacering", "sim-forskoleplacering", "hemtjanst", "maltidsservice", "lokalforsorjning", "gata-park"}},
	{"david", "demo-david", "admin", nil},
}

// seeds are the files copied into each drop folder (relative to the
// installed directory) when Install creates it.
var seeds = map[string][]string{
	"drop/scb":                {"data/scb/SCB_alderkon_vastmanland_2019.csv"},
	"drop/smhi-snow":          {"data/smhi/Snodjup_Handsjo.csv"},
	"drop/smhi-temperature":   {"data/smhi/Temperatur_dygn_Ytterhogdal.csv"},
	"drop/smhi-precipitation": {"data/smhi/Rainfall_dygn_Handsjon.csv"},
}
