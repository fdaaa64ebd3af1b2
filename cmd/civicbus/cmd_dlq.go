package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
)

// dlqConfig is the configuration of `civicbus dlq`.
type dlqConfig struct {
	Brokers  string
	Security bus.SecurityConfig
	JSON     bool
	IDs      []string
}

func (c *cli) dlqFlags(cfg *dlqConfig, verb string) *cmdFlags {
	f := newFlags("dlq "+verb, "civicbus dlq list <topic> [flags] | civicbus dlq replay <topic> [--id ID]… [flags]")
	f.StringVar(&cfg.Brokers, "brokers", c.defaults.KafkaListen, "Kafka `brokers`, host:port,… (default: the all-in-one process's embedded broker)")
	addSecurityFlags(f, &cfg.Security)
	switch verb {
	case "list":
		f.BoolVar(&cfg.JSON, "json", false, "print the dead letters as JSON, one object a line")
	case "replay":
		f.Func("id", "replay only the dead letter with this event `id` (ce_id); repeatable", func(id string) error {
			cfg.IDs = append(cfg.IDs, id)
			return nil
		})
	}
	return f
}

// cmdDLQ is `civicbus dlq list|replay <topic>`: inspect the dead letters of
// a topic, and publish them to it again once the cause is fixed.
func (c *cli) cmdDLQ(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		return usageError{errors.New("dlq: say list or replay: civicbus dlq list <topic> | civicbus dlq replay <topic> [--id ID]")}
	}
	verb := args[0]
	var cfg dlqConfig
	f := c.dlqFlags(&cfg, verb)
	topic, rest := "", args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		topic, rest = rest[0], rest[1:]
	}
	if done, err := c.parseFlags(f, rest); done {
		return err
	}
	if topic == "" && f.NArg() == 1 {
		topic = f.Arg(0)
	}
	if topic == "" || f.NArg() > 1 {
		return usageError{fmt.Errorf("dlq %s: give exactly one topic (the one dead-lettered from, not its .dlq)", verb)}
	}
	topic = strings.TrimSuffix(topic, ".dlq")
	conn, err := commonConfig{Brokers: cfg.Brokers, Security: cfg.Security}.connection("civicbus-dlq")
	if err != nil {
		return fmt.Errorf("dlq %s: %w", verb, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if verb == "list" {
		return c.dlqList(ctx, conn, topic, cfg.JSON)
	}
	return c.dlqReplay(ctx, conn, topic, cfg.IDs)
}

func (c *cli) dlqList(ctx context.Context, conn bus.Connection, topic string, asJSON bool) error {
	letters, err := dlq.List(ctx, conn, topic)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		for _, l := range letters {
			if err := enc.Encode(letterJSON(l)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(letters) == 0 {
		fmt.Fprintf(c.stdout, "no dead letters in %s\n", dlqTopicName(topic))
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tDEAD-LETTERED\tHANDLER\tATTEMPTS\tAT\tERROR")
	for _, l := range letters {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", l.ID, l.Time.UTC().Format(time.RFC3339), l.Handler, l.Attempts, l.Record, oneLine(l.Error))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%d dead letters in %s\n", len(letters), dlqTopicName(topic))
	return nil
}

func (c *cli) dlqReplay(ctx context.Context, conn bus.Connection, topic string, ids []string) error {
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/civicbus/dlq-replay", Logger: c.logger})
	if err != nil {
		return err
	}
	defer pub.Close()
	n, err := dlq.Replay(ctx, conn, pub, topic, ids...)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "replayed %d dead letters from %s to %s\n", n, dlqTopicName(topic), topic)
	return nil
}

func dlqTopicName(topic string) string { return topic + ".dlq" }

// letterJSON is a dead letter as `dlq list --json` prints it.
func letterJSON(l dlq.Letter) map[string]any {
	return map[string]any{
		"id": l.ID, "topic": l.Topic, "handler": l.Handler, "error": l.Error,
		"attempts": l.Attempts, "time": l.Time.UTC().Format(time.RFC3339Nano),
		"record": l.Record.String(), "metadata": l.Message.Metadata,
	}
}

// oneLine keeps a table row on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
