package bus

import "sync"

// gate admits work until it is shut, then lets the owner wait for the work
// it admitted: the Close of a Publisher or Subscriber.
type gate struct {
	mu     sync.Mutex // orders wg.Add against shut
	closed bool
	wg     sync.WaitGroup
}

// enter admits one piece of work, or answers false once the gate is shut.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// leave ends a piece of work that enter admitted.
func (g *gate) leave() { g.wg.Done() }

// shut stops admitting work; it answers false when the gate was shut already.
func (g *gate) shut() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	return true
}

// wait returns when all admitted work has left.
func (g *gate) wait() { g.wg.Wait() }
