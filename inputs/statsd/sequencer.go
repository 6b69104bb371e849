package statsd

import (
	"math"
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
	// aborted is set when a worker panicked holding a ticket: order no
	// longer holds, and nobody waits for a turn that never comes (the
	// input is being restarted). Under mu.
	aborted bool
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
	for s.committed != ticket && !s.aborted {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// abort gives up the order for the rest of the Run: a worker panicked,
// and its ticket will never be done. What the others still hand over is
// written as it comes, one writer at a time.
func (s *sequencer) abort() {
	s.mu.Lock()
	s.aborted = true
	s.cond.Broadcast()
	s.mu.Unlock()
	// The panicking worker may have been the leader: wake one waiting
	// worker to take the queue (and see it closed, at the end).
	select {
	case s.help <- struct{}{}:
	default:
	}
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
	for ticket != s.committed && len(s.pending) >= maxPending && !s.aborted {
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
	s.commitPending()
}

// commitPending writes the pending batches due, in ticket order (any
// order once aborted). It is called with mu held and returns with it
// released. A panic in a write aborts the order, so the other workers
// neither wait for that turn nor for this writer.
func (s *sequencer) commitPending() {
	s.committing = true
	finished := false
	defer func() {
		if finished {
			return
		}
		s.mu.Lock()
		s.committing = false
		s.aborted = true
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	for {
		t := s.committed
		ps, ok := s.pending[t]
		if !ok && s.aborted && len(s.pending) > 0 {
			// The earliest handed over: a later turn's batches may be
			// missing for good.
			t = math.MaxUint64
			for k := range s.pending {
				t = min(t, k)
			}
			ps, ok = s.pending[t], true
		}
		if !ok {
			break
		}
		delete(s.pending, t)
		s.mu.Unlock()
		for _, m := range ps {
			m.Commit()
		}
		s.mu.Lock()
		if t == s.committed {
			s.committed++
		}
		s.cond.Broadcast()
	}
	s.committing = false
	finished = true
	s.mu.Unlock()
}

// drain writes what is still pending after every worker ended: batches
// handed over after a turn that never came (its worker panicked).
func (s *sequencer) drain() {
	s.mu.Lock()
	s.aborted = true
	s.commitPending()
}
