package opendata

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// ErrClosed is what Apply returns once the store is closing and its
// changes were not committed.
var ErrClosed = errors.New("opendata: the store is closed")

// maxBatch bounds the changes one transaction applies.
const maxBatch = 2000

// seenChunk is how many events one INSERT into opendata_seen marks (two
// parameters each: well under SQLite's and PostgreSQL's limits).
const seenChunk = 400

// Change is what one event does to a dataset: a row put under its key
// (microdata) or a contribution added to a cell (aggregates).
type Change struct {
	DatasetID string
	EventID   string
	// Microdata.
	RowKey string
	Row    []any
	// Aggregate: the group's values and the numbers to fold in.
	Group []any
	Fold  func(agg release.Agg) release.Agg
}

// Apply applies changes, each once: a change whose event the dataset has
// seen is skipped, so a redelivered event changes nothing. It returns how
// many were applied, once they are committed, and never before: an error
// means none of them may be taken as applied (some may have been; applying
// them again changes nothing).
//
// Calls made at the same time share one transaction (group commit): every
// service of a process writes the one SQLite file, one transaction at a
// time, so an event's own transaction would cost the lock, the statements'
// set-up and the commit per event. The changes of one call are always in
// the same transaction. A transaction that fails for a reason of its data
// is run again call by call, so a call's bad change fails that call alone.
func (s *Store) Apply(ctx context.Context, changes []Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	r := &applyReq{ctx: ctx, changes: changes, done: make(chan applyRes, 1)}
	g := s.gc
	select {
	case g.reqs <- r:
	case <-g.exited:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, fmt.Errorf("opendata: apply: %w", ctx.Err())
	}
	select {
	case res := <-r.done:
		return res.n, res.err
	case <-ctx.Done():
		// It may yet commit: a redelivery then changes nothing.
		return 0, fmt.Errorf("opendata: apply: %w", ctx.Err())
	case <-g.exited:
		select {
		case res := <-r.done:
			return res.n, res.err
		default:
			return 0, ErrClosed
		}
	}
}

type applyReq struct {
	ctx     context.Context
	changes []Change
	done    chan applyRes // buffered: the committer never waits on it
}

type applyRes struct {
	n   int
	err error
}

// groupCommit is the one goroutine that writes changes: it takes every
// call waiting, up to maxBatch changes, into one transaction; while that
// commits the next calls queue up, so the batch grows with the load and a
// lone call waits for nobody.
type groupCommit struct {
	reqs   chan *applyReq
	ctx    context.Context // the transactions'; cancelled by stop
	cancel context.CancelFunc
	exited chan struct{}
	once   sync.Once
	apply  func(ctx context.Context, batch [][]Change) ([]int, error)

	// Transactions and the calls they served, for the benchmark.
	txs, calls atomic.Int64
}

// startGroupCommit starts the committer. One, for PostgreSQL too: there
// several overlapping transactions queued on the same cells' and dataset's
// row locks and were slower (BenchmarkConsumeApply: 16 committers 610
// events/s, 1 committer 2,240).
func startGroupCommit(apply func(context.Context, [][]Change) ([]int, error)) *groupCommit {
	ctx, cancel := context.WithCancel(context.Background())
	g := &groupCommit{reqs: make(chan *applyReq), ctx: ctx, cancel: cancel, exited: make(chan struct{}), apply: apply}
	go func() {
		defer close(g.exited)
		g.run()
	}()
	return g
}

// stop ends the committer, cancelling a transaction under way, and waits
// for it.
func (g *groupCommit) stop() {
	g.once.Do(g.cancel)
	<-g.exited
}

func (g *groupCommit) run() {
	for {
		var batch []*applyReq
		select {
		case r := <-g.reqs:
			batch = append(batch, r)
		case <-g.ctx.Done():
			return
		}
		n := len(batch[0].changes)
	more:
		for n < maxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
				n += len(r.changes)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

// commit applies batch in one transaction and answers each call; when the
// transaction fails for a reason other than the database's availability,
// it applies each call alone, so only the call at fault fails.
func (g *groupCommit) commit(batch []*applyReq) {
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- applyRes{err: fmt.Errorf("opendata: apply: %w", err)}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	changes := make([][]Change, len(live))
	for i, r := range live {
		changes[i] = r.changes
	}
	g.txs.Add(1)
	g.calls.Add(int64(len(live)))
	n, err := g.apply(g.ctx, changes)
	if err != nil && len(live) > 1 && !sqldb.Transient(err) && g.ctx.Err() == nil {
		for _, r := range live {
			n, err := g.apply(g.ctx, [][]Change{r.changes})
			var applied int
			if err == nil {
				applied = n[0]
			}
			r.done <- applyRes{n: applied, err: err}
		}
		return
	}
	for i, r := range live {
		if err != nil {
			r.done <- applyRes{err: err}
		} else {
			r.done <- applyRes{n: n[i]}
		}
	}
}

// applyBatch applies the changes of several calls in one transaction and
// returns how many of each call's were applied. Per transaction: the events
// are marked seen a few hundred per statement (those already seen are
// skipped), each row put once with its last value, each cell read, folded
// with all its contributions in order and written once, each dataset's
// count moved once.
func (s *Store) applyBatch(ctx context.Context, batch [][]Change) ([]int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("opendata: begin: %w", err)
	}
	defer tx.Rollback()

	type ref struct {
		call int
		c    *Change
	}
	type eventKey struct{ dataset, event string }
	var all []ref
	first := map[eventKey]bool{}
	for i := range batch {
		for j := range batch[i] {
			c := &batch[i][j]
			k := eventKey{c.DatasetID, c.EventID}
			if first[k] {
				continue // twice in this batch: once is applied
			}
			first[k] = true
			all = append(all, ref{i, c})
		}
	}
	fresh := map[eventKey]bool{}
	for chunk := range slices.Chunk(all, seenChunk) {
		var q strings.Builder
		q.WriteString(`INSERT INTO opendata_seen (dataset_id, event_id) VALUES `)
		args := make([]any, 0, 2*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?)")
			args = append(args, r.c.DatasetID, r.c.EventID)
		}
		q.WriteString(` ON CONFLICT DO NOTHING RETURNING dataset_id, event_id`)
		rows, err := tx.QueryContext(ctx, s.db.Q(q.String()), args...)
		if err != nil {
			return nil, fmt.Errorf("opendata: mark events: %w", err)
		}
		for rows.Next() {
			var k eventKey
			if err := rows.Scan(&k.dataset, &k.event); err != nil {
				rows.Close()
				return nil, fmt.Errorf("opendata: mark events: %w", err)
			}
			fresh[k] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("opendata: mark events: %w", err)
		}
	}

	applied := make([]int, len(batch))
	counts := map[string]int64{}
	type rowKey struct{ dataset, key string }
	var rowOrder []rowKey
	rowsPut := map[rowKey][]any{}
	type cellKey struct{ dataset, group string }
	cells := map[cellKey][]func(release.Agg) release.Agg{}
	for _, r := range all {
		c := r.c
		if !fresh[eventKey{c.DatasetID, c.EventID}] {
			continue // seen: applied before
		}
		if c.Fold == nil {
			k := rowKey{c.DatasetID, c.RowKey}
			if _, ok := rowsPut[k]; !ok {
				rowOrder = append(rowOrder, k)
			}
			rowsPut[k] = c.Row
		} else {
			group, err := json.Marshal(c.Group)
			if err != nil {
				return nil, fmt.Errorf("opendata: encode group: %w", err)
			}
			k := cellKey{c.DatasetID, string(group)}
			cells[k] = append(cells[k], c.Fold)
		}
		counts[c.DatasetID]++
		applied[r.call]++
	}

	for _, k := range rowOrder {
		row, err := json.Marshal(rowsPut[k])
		if err != nil {
			return nil, fmt.Errorf("opendata: encode row: %w", err)
		}
		if _, err := tx.StmtContext(ctx, s.putRow).ExecContext(ctx, k.dataset, k.key, string(row)); err != nil {
			return nil, fmt.Errorf("opendata: put row: %w", err)
		}
	}

	// Cells in key order: PostgreSQL writers lock them in the same order,
	// so two replicas never wait on each other in a circle.
	keys := make([]cellKey, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cellKey) int {
		return cmp2(a.dataset, b.dataset, a.group, b.group)
	})
	for _, k := range keys {
		var agg release.Agg
		var aggJSON string
		var err error
		if s.db.Postgres {
			// The cell's row locked (made empty when new), so that another
			// transaction's contribution to it waits instead of overwriting.
			err = tx.StmtContext(ctx, s.lockCell).QueryRowContext(ctx, k.dataset, k.group, k.group).Scan(&aggJSON)
		} else {
			err = tx.StmtContext(ctx, s.getCell).QueryRowContext(ctx, k.dataset, k.group).Scan(&aggJSON)
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("opendata: read cell: %w", err)
		default:
			if err := json.Unmarshal([]byte(aggJSON), &agg); err != nil {
				return nil, fmt.Errorf("opendata: decode cell: %w", err)
			}
		}
		for _, fold := range cells[k] {
			agg = fold(agg)
		}
		out, err := json.Marshal(agg)
		if err != nil {
			return nil, fmt.Errorf("opendata: encode cell: %w", err)
		}
		if _, err := tx.StmtContext(ctx, s.putCell).ExecContext(ctx, k.dataset, k.group, k.group, string(out)); err != nil {
			return nil, fmt.Errorf("opendata: put cell: %w", err)
		}
	}

	now := time.Now().UTC().Format(time.RFC3339Nano)
	datasets := make([]string, 0, len(counts))
	for d := range counts {
		datasets = append(datasets, d)
	}
	slices.Sort(datasets)
	for _, d := range datasets {
		if _, err := tx.StmtContext(ctx, s.countChanges).ExecContext(ctx, d, counts[d], now); err != nil {
			return nil, fmt.Errorf("opendata: count changes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("opendata: commit: %w", err)
	}
	return applied, nil
}

func cmp2(a1, b1, a2, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}

// prepare prepares the statements applyBatch runs per row, cell and
// dataset.
func (s *Store) prepare(ctx context.Context) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = s.db.PrepareContext(ctx, s.db.Q(q))
		if err == nil {
			s.stmts = append(s.stmts, st)
		}
		return st
	}
	s.putRow = prep(`INSERT INTO opendata_rows (dataset_id, row_key, row_json) VALUES (?, ?, ?)
ON CONFLICT (dataset_id, row_key) DO UPDATE SET row_json = excluded.row_json`)
	if s.db.Postgres {
		s.lockCell = prep(`INSERT INTO opendata_cells (dataset_id, cell_key, group_json, agg_json) VALUES (?, ?, ?, '{}')
ON CONFLICT (dataset_id, cell_key) DO UPDATE SET agg_json = opendata_cells.agg_json RETURNING agg_json`)
	} else {
		s.getCell = prep(`SELECT agg_json FROM opendata_cells WHERE dataset_id = ? AND cell_key = ?`)
	}
	s.putCell = prep(`INSERT INTO opendata_cells (dataset_id, cell_key, group_json, agg_json) VALUES (?, ?, ?, ?)
ON CONFLICT (dataset_id, cell_key) DO UPDATE SET agg_json = excluded.agg_json`)
	s.countChanges = prep(`INSERT INTO opendata_state (dataset_id, changes, changed_at) VALUES (?, ?, ?)
ON CONFLICT (dataset_id) DO UPDATE SET changes = opendata_state.changes + excluded.changes, changed_at = excluded.changed_at`)
	if err != nil {
		return fmt.Errorf("opendata: prepare: %w", err)
	}
	return nil
}
