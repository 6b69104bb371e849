package statsd

import (
	"sync"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// sequencer keeps the workers' batches in arrival order: a worker takes a
// run of consecutive packets and a ticket under one lock, parses them in
// parallel with the other workers, and appends only when every earlier
// ticket has appended. Parsing runs in parallel; Append calls do not
// overlap, so a gauge set twice ends at the value sent last, as with
// statsd_exporter's single goroutine.
type sequencer struct {
	// take is held by the one worker waiting on the queue (the leader).
	// The others wait on help, which a leader signals only when it leaves
	// packets behind, so an idle input wakes one worker per packet, not
	// all of them.
	take      sync.Mutex
	next      uint64 // next ticket, under take
	help      chan struct{}
	closed    chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	cond      sync.Cond
	committed uint64 // tickets fully appended, under mu
	// pending are mapped batches handed over before their turn, by
	// ticket; committing is set while a worker writes them. Under mu.
	pending    map[uint64][]normalize.Mapped
	committing bool
}

func newSequencer(workers int) *sequencer {
	s := &sequencer{help: make(chan struct{}, workers), closed: make(chan struct{})}
	s.cond.L = &s.mu
	return s
}

// takeBatch waits for a packet, takes up to maxTake queued packets into
// buf and returns them with their ticket; ok is false when q is closed and
// empty.
func (s *sequencer) takeBatch(q <-chan *packet, buf []*packet) (_ []*packet, ticket uint64, ok bool) {
	for !s.take.TryLock() {
		select {
		case <-s.help:
		case <-s.closed:
			return buf, 0, false
		}
	}
	pk, ok := <-q
	if !ok {
		s.take.Unlock()
		s.closeOnce.Do(func() { close(s.closed) })
		return buf, 0, false
	}
	buf = append(buf, pk)
more:
	for len(buf) < maxTake {
		select {
		case pk, ok := <-q:
			if !ok {
				break more
			}
			buf = append(buf, pk)
		default:
			break more
		}
	}
	ticket = s.next
	s.next++
	backlog := len(q) > 0
	s.take.Unlock()
	if backlog {
		select {
		case s.help <- struct{}{}:
		default:
		}
	}
	return buf, ticket, true
}

// wait blocks until it is ticket's turn to append.
func (s *sequencer) wait(ticket uint64) {
	s.mu.Lock()
	for s.committed != ticket {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// done ends ticket's turn.
func (s *sequencer) done() {
	s.mu.Lock()
	s.committed++
	s.cond.Broadcast()
	s.mu.Unlock()
}

// maxPending bounds the mapped batches waiting for an earlier ticket (a
// worker the OS has descheduled holds up the others' writes).
const maxPending = 64

// finish hands over ticket's mapped batches without waiting for its turn:
// the worker whose turn it is writes them, and the worker that writes the
// last batch due writes every later one already handed over, in ticket
// order. So no worker sleeps waiting for another's turn, the writes keep
// arrival order, and they never overlap.
func (s *sequencer) finish(ticket uint64, parts []normalize.Mapped) {
	s.mu.Lock()
	for ticket != s.committed && len(s.pending) >= maxPending {
		s.cond.Wait()
	}
	if s.pending == nil {
		s.pending = map[uint64][]normalize.Mapped{}
	}
	s.pending[ticket] = parts
	if s.committing {
		s.mu.Unlock()
		return
	}
	s.committing = true
	for {
		ps, ok := s.pending[s.committed]
		if !ok {
			break
		}
		delete(s.pending, s.committed)
		s.mu.Unlock()
		for _, m := range ps {
			m.Commit()
		}
		s.mu.Lock()
		s.committed++
		s.cond.Broadcast()
	}
	s.committing = false
	s.mu.Unlock()
}
