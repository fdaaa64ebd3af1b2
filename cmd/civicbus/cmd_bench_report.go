package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// benchReport is what `civicbus bench` measured. Latencies run from each
// event's scheduled send time (not from when a busy sender got round to
// it) to: the webhook's 202 (the event is on the bus); the dataset having
// applied it (read every 100 ms from the open-data API, events matched to
// the count in the order they were due); its decision record on
// cases.decision-recorded.v1 (the case's automated step, matched by case
// id); and that decision in the casework inbox, the caseworker's task
// (read every 100 ms from the casework service's table).
type benchReport struct {
	Rate            int                `json:"rate"`
	DurationSeconds float64            `json:"duration_seconds"`
	ElapsedSeconds  float64            `json:"elapsed_seconds"` // offering and draining
	Mix             map[string]float64 `json:"mix"`
	LoadBefore      string             `json:"load_before"`
	LoadAfter       string             `json:"load_after"`

	Issued      map[string]int `json:"issued"`
	Accepted    map[string]int `json:"accepted"`
	Rejected    map[string]int `json:"rejected"`
	RejectedWhy map[string]int `json:"rejected_why,omitempty"`

	OfferedPerSecond   float64 `json:"offered_per_second"`
	AcceptedPerSecond  float64 `json:"accepted_per_second"`
	CompletedPerSecond float64 `json:"completed_per_second"` // applied + decided + sensor events on the bus, over the elapsed time

	DatasetApplied     int64 `json:"dataset_applied"`
	DatasetWanted      int64 `json:"dataset_wanted"`
	Decisions          int   `json:"decisions"`
	InInbox            int   `json:"in_inbox"` // applications whose decision the casework inbox shows
	DecisionsWanted    int   `json:"decisions_wanted"`
	DecisionRecords    int64 `json:"decision_records"`    // on cases.decision-recorded.v1
	ApplicationRecords int64 `json:"application_records"` // on school.preschool-application.v1
	Complete           bool  `json:"complete"`            // every accepted weighing applied once, every application decided and in the inbox

	SourceToBus      latency `json:"source_to_bus"`
	SourceToDataset  latency `json:"source_to_dataset"`
	SourceToDecision latency `json:"source_to_decision"`
	SourceToInbox    latency `json:"source_to_inbox"` // the task: the decision in the casework inbox

	CPUSeconds          float64 `json:"cpu_seconds"` // the civicbus run under test, user + system
	CPUCores            float64 `json:"cpu_cores"`   // CPUSeconds over the elapsed time
	PeakRSSMB           float64 `json:"peak_rss_mb"`
	PeakHeapMB          float64 `json:"peak_heap_mb"`          // Go heap in use, from /metrics, sampled each second
	GeneratorCPUSeconds float64 `json:"generator_cpu_seconds"` // this process, the load generator
	LogFile             string  `json:"log_file"`
}

// latency is a distribution's summary, in milliseconds.
type latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func latencyOf(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return latency{N: len(s), P50: ms(at(0.50)), P99: ms(at(0.99)), Max: ms(s[len(s)-1])}
}

func (l latency) String() string {
	if l.N == 0 {
		return "no events"
	}
	return fmt.Sprintf("p50 %s  p99 %s  max %s  (%d events)", fmtMS(l.P50), fmtMS(l.P99), fmtMS(l.Max), l.N)
}

func fmtMS(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// The targets of issue 9 on a 2-core machine.
const (
	benchTargetRate    = 5000
	benchTargetTaskP99 = 1000.0 // ms
	benchTargetPeakMB  = 500.0
)

func (r *benchReport) write(w io.Writer) {
	var mix []string
	for _, s := range benchSources {
		if r.Mix[s] > 0 {
			mix = append(mix, fmt.Sprintf("%s %.0f%%", s, 100*r.Mix[s]))
		}
	}
	fmt.Fprintf(w, "civicbus bench: %d events/s offered for %s (%s)\n", r.Rate, time.Duration(r.DurationSeconds*float64(time.Second)), strings.Join(mix, ", "))
	fmt.Fprintf(w, "  load average      %s before, %s after\n", r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "  events            ")
	for i, s := range benchSources {
		if r.Mix[s] == 0 {
			continue
		}
		if i > 0 {
			fmt.Fprint(w, "; ")
		}
		fmt.Fprintf(w, "%s %d issued, %d accepted", s, r.Issued[s], r.Accepted[s])
		if r.Rejected[s] > 0 {
			fmt.Fprintf(w, ", %d refused", r.Rejected[s])
		}
	}
	fmt.Fprintln(w)
	for why, n := range r.RejectedWhy {
		fmt.Fprintf(w, "  refused           %d: %s\n", n, why)
	}
	fmt.Fprintf(w, "  throughput        offered %.0f/s, accepted %.0f/s, completed %.0f/s\n", r.OfferedPerSecond, r.AcceptedPerSecond, r.CompletedPerSecond)
	fmt.Fprintf(w, "  dataset           %d of %d accepted weighings applied\n", r.DatasetApplied, r.DatasetWanted)
	fmt.Fprintf(w, "  decisions         %d of %d accepted applications decided, %d in the casework inbox (topics: %d applications, %d decision records)\n",
		r.Decisions, r.DecisionsWanted, r.InInbox, r.ApplicationRecords, r.DecisionRecords)
	fmt.Fprintf(w, "  source → bus      %s\n", r.SourceToBus)
	fmt.Fprintf(w, "  source → dataset  %s\n", r.SourceToDataset)
	fmt.Fprintf(w, "  source → decision %s\n", r.SourceToDecision)
	fmt.Fprintf(w, "  source → task     %s  (in the casework inbox)\n", r.SourceToInbox)
	fmt.Fprintf(w, "  CPU               %.1f s (%.2f cores) civicbus run; %.1f s the load generator\n", r.CPUSeconds, r.CPUCores, r.GeneratorCPUSeconds)
	fmt.Fprintf(w, "  peak memory       %.0f MB resident (Go heap in use at most %.0f MB)\n", r.PeakRSSMB, r.PeakHeapMB)
	fmt.Fprintf(w, "  targets           %s rate %d/s sustained; %s p99 source → task < 1 s; %s peak memory < 500 MB; %s complete\n",
		mark(r.Rate >= benchTargetRate && r.AcceptedPerSecond >= 0.99*float64(benchTargetRate) && r.DurationSeconds >= 300),
		benchTargetRate, mark(r.SourceToInbox.N > 0 && r.SourceToInbox.P99 < benchTargetTaskP99),
		mark(r.PeakRSSMB > 0 && r.PeakRSSMB < benchTargetPeakMB), mark(r.Complete))
	fmt.Fprintf(w, "  log               %s\n", r.LogFile)
}

func mark(ok bool) string {
	if ok {
		return "[met]"
	}
	return "[NOT met]"
}
