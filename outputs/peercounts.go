package outputs

import (
	"strings"

	"github.com/cespare/xxhash/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// What statsd_exporter counts about its registry, kept so that a StatsD
// input standing in for it can serve its statsd_exporter_events_conflict_total
// and statsd_exporter_metrics_total (cmd/rosetta). Both are counted off the
// hot path: at a conflict, and when a series is created.

// Bounds of the per-name tables below: statsd_exporter's have none, these
// keep a flood of names from growing them without end.
const (
	maxConflictNames     = 4096
	maxConflictNameBytes = 1 << 20
	maxShapes            = 1 << 17
)

// ConflictKey is a family name and the type of the samples refused by it,
// as statsd_exporter_events_conflict_total{type, metric_name} labels them.
type ConflictKey struct {
	Type normalize.Type // of the refused samples
	Name string
}

// PeerCounts are the store's counts as statsd_exporter counts its events
// and metric vectors.
type PeerCounts struct {
	// Conflicts are the events refused by a conflict, by the sample's
	// type and name, for the first maxConflictNames keys and
	// maxConflictNameBytes of their names; a sample that stands for Repeat
	// observations counts Repeat times.
	Conflicts map[ConflictKey]uint64
	// ConflictsByType are all the conflicts' events by the sample's type.
	ConflictsByType [normalize.TypeSummary + 1]uint64
	// Shapes are the distinct name and label-name sets that ever had a
	// series, by the family's type (statsd_exporter makes a metric vector
	// of each and never forgets one); past maxShapes, each new family
	// counts once.
	Shapes map[dto.MetricType]uint64
}

// peerCounts is guarded by Store.recentMu (conflicts) and Store.famMu
// (shapes).
type peerCounts struct {
	conflicts       map[ConflictKey]uint64
	conflictBytes   int
	conflictsByType [normalize.TypeSummary + 1]uint64
	shapes          map[uint64]struct{}
	shapesByType    map[dto.MetricType]uint64
}

// countConflict counts smp's events as refused. recentMu is held.
func (s *Store) countConflict(smp *normalize.Sample) {
	w := uint64(1)
	if smp.Repeat > 1 && smp.Type == normalize.TypeObserver {
		w = uint64(smp.Repeat)
	}
	pc := &s.peer
	if smp.Type <= normalize.TypeSummary {
		pc.conflictsByType[smp.Type] += w
	}
	k := ConflictKey{Type: smp.Type, Name: smp.Name}
	if _, ok := pc.conflicts[k]; ok {
		pc.conflicts[k] += w
		return
	}
	if pc.conflicts == nil {
		pc.conflicts = map[ConflictKey]uint64{}
	}
	if len(pc.conflicts) < maxConflictNames && pc.conflictBytes+len(k.Name) <= maxConflictNameBytes {
		k.Name = strings.Clone(k.Name)
		pc.conflicts[k] = w
		pc.conflictBytes += len(k.Name)
	}
}

// countShape records the name and label names of a series about to be
// created in fam (nil for a new family) of type typ. famMu is held.
func (s *Store) countShape(fam *family, typ dto.MetricType, smp *normalize.Sample) {
	pc := &s.peer
	if pc.shapesByType == nil {
		pc.shapesByType = map[dto.MetricType]uint64{}
		pc.shapes = map[uint64]struct{}{}
	}
	var d xxhash.Digest
	d.Reset()
	_, _ = d.WriteString(smp.Name)
	for _, l := range smp.Labels {
		_, _ = d.Write([]byte{0xff})
		_, _ = d.WriteString(l.Name)
	}
	h := d.Sum64()
	if _, ok := pc.shapes[h]; ok {
		return
	}
	if len(pc.shapes) >= maxShapes {
		if fam == nil {
			pc.shapesByType[typ]++
		}
		return
	}
	pc.shapes[h] = struct{}{}
	pc.shapesByType[typ]++
}

// PeerCounts returns the store's counts for statsd_exporter's families.
func (s *Store) PeerCounts() PeerCounts {
	var out PeerCounts
	s.recentMu.Lock()
	out.Conflicts = make(map[ConflictKey]uint64, len(s.peer.conflicts))
	for k, v := range s.peer.conflicts {
		out.Conflicts[k] = v
	}
	out.ConflictsByType = s.peer.conflictsByType
	s.recentMu.Unlock()
	s.famMu.Lock()
	out.Shapes = make(map[dto.MetricType]uint64, len(s.peer.shapesByType))
	for k, v := range s.peer.shapesByType {
		out.Shapes[k] = v
	}
	s.famMu.Unlock()
	return out
}
