// Command replay-sensors replays the Ordóñez house-A binary-sensor log as
// MQTT messages for demo/connectors.d/home-sensors.yaml.
//
//	go run ./demo/replay/cmd/replay-sensors --broker tcp://127.0.0.1:1883 --speed 3600
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/vasteras/civicbus/demo/replay"
)

func main() {
	broker := flag.String("broker", "tcp://127.0.0.1:1883", "MQTT broker")
	speed := flag.Float64("speed", 3600, "times faster than real time (3600: an hour a second; 0: as fast as possible)")
	resident := flag.String("resident", "res-a", "the resident's pseudonym")
	prefix := flag.String("prefix", "", "topic prefix before homes/...")
	file := flag.String("file", "demo/data/ordonez/OrdonezA_Sensors.txt", "the sensors log")
	now := flag.Bool("now", false, "move the log's times so that it starts now")
	flag.Parse()
	if err := run(*broker, *speed, *resident, *prefix, *file, *now); err != nil {
		fmt.Fprintln(os.Stderr, "replay-sensors:", err)
		os.Exit(1)
	}
}

func run(broker string, speed float64, resident, prefix, file string, now bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	acts, err := replay.Parse(f)
	f.Close()
	if err != nil {
		return err
	}
	cfg := replay.Config{Broker: broker, TopicPrefix: prefix, ResidentID: resident, Speed: speed}
	if now {
		cfg.Start = time.Now()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := replay.Replay(ctx, cfg, acts); err != nil {
		return err
	}
	fmt.Printf("replayed %d activations\n", len(acts))
	return nil
}
