package outputs

import dto "github.com/prometheus/client_model/go"

// Kept types (SetKeepExpiredTypes): statsd_exporter never forgets a name's
// type, so its registry grows with every name that ever expired. Names
// come from the network, so Rosetta keeps a bounded number of them, in two
// generations: when the newer one is full (maxKeptTypes names or
// maxKeptTypeBytes of names), the older one is forgotten and the newer one
// becomes the older. A name looked up in the older generation moves to the
// newer one, so a name that keeps coming back with another type stays
// kept. A forgotten name is free for any type again, as it is without
// statsd_exporter_drop_in.
const (
	maxKeptTypes     = 1 << 15 // names per generation
	maxKeptTypeBytes = 8 << 20 // bytes of names per generation
)

// keptTypes are the types of the families whose series all expired. The
// zero value is empty. Store.famMu guards it.
type keptTypes struct {
	cur, old map[string]dto.MetricType
	curBytes int
}

// len is the number of names kept.
func (k *keptTypes) len() int { return len(k.cur) + len(k.old) }

// get returns the type kept for name, moving it to the newer generation.
func (k *keptTypes) get(name string) (dto.MetricType, bool) {
	if t, ok := k.cur[name]; ok {
		return t, true
	}
	t, ok := k.old[name]
	if ok {
		delete(k.old, name)
		k.put(name, t)
	}
	return t, ok
}

// put keeps name's type.
func (k *keptTypes) put(name string, t dto.MetricType) {
	if _, ok := k.cur[name]; ok {
		k.cur[name] = t
		return
	}
	delete(k.old, name)
	if len(k.cur) >= maxKeptTypes || k.curBytes+len(name) > maxKeptTypeBytes {
		k.old, k.cur, k.curBytes = k.cur, nil, 0
	}
	if k.cur == nil {
		k.cur = map[string]dto.MetricType{}
	}
	k.cur[name] = t
	k.curBytes += len(name)
}

// delete forgets name (a family of that name lives again).
func (k *keptTypes) delete(name string) {
	if _, ok := k.cur[name]; ok {
		delete(k.cur, name)
		k.curBytes -= len(name)
	}
	delete(k.old, name)
}

// reset forgets every name.
func (k *keptTypes) reset() { *k = keptTypes{} }
