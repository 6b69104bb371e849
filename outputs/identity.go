package outputs

import "github.com/rosetta-adapter/rosetta/normalize"

// Identity: Prometheus identifies a series without its labels of empty
// value, so a family with such labels gets an index by that identity, and
// create refuses a series that would be one with a live one
// (ReasonDuplicate).

// identities indexes a family's live series by identityHash. Prometheus
// drops labels with empty values, so x{a=""} beside x would be one series
// there; a family gets an index (Store.identities) once one of its series
// has such a label, and only then, so that families pay nothing for it.
type identities map[uint64][]*series

func hasEmptyValue(ls normalize.Labels) bool {
	for _, l := range ls {
		if l.Value == "" {
			return true
		}
	}
	return false
}

// identityHash hashes a series as Prometheus identifies it: without the
// labels whose value is empty. For a series without such labels it is
// the series' own hash.
func identityHash(se *series) uint64 {
	if !hasEmptyValue(se.labels) {
		return se.hash
	}
	return hashIdentity(se.fam.name, se.labels)
}

// hashIdentity is hashSeries of name and the labels with a value.
func hashIdentity(name string, ls normalize.Labels) uint64 {
	kept := make(normalize.Labels, 0, len(ls))
	for _, l := range ls {
		if l.Value != "" {
			kept = append(kept, l)
		}
	}
	return hashSeries(name, kept)
}

// sameIdentity reports whether two label sets are equal once the labels
// with empty values are left out.
func sameIdentity(a, b normalize.Labels) bool {
	i, j := 0, 0
	for {
		for i < len(a) && a[i].Value == "" {
			i++
		}
		for j < len(b) && b[j].Value == "" {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}

// indexIdentities indexes f's live members. Store.famMu is held.
func (s *Store) indexIdentities(f *family) identities {
	idx := make(identities, len(f.members))
	for _, se := range f.members {
		if !se.removed {
			h := identityHash(se)
			idx[h] = append(idx[h], se)
		}
	}
	if s.identities == nil {
		s.identities = map[*family]identities{}
	}
	s.identities[f] = idx
	return idx
}

// sameAsLive reports whether a live series has the identity of ls.
func (idx identities) sameAsLive(h uint64, ls normalize.Labels) bool {
	for _, se := range idx[h] {
		if sameIdentity(se.labels, ls) {
			return true
		}
	}
	return false
}
