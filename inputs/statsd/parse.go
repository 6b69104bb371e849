package statsd

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// reason is why a line, sample or tag was rejected; it is the value of the
// reason label of rosetta_input_errors_total. The names are
// statsd_exporter's sample_errors reasons where it has one.
type reason uint8

const (
	errMalformedLine reason = iota
	errInvalidUTF8
	errMixedTaggingStyles
	errNotEnoughParts
	errInvalidExtendedAggregate
	errMalformedComponent
	errMalformedValue
	errInvalidSampleFactor
	errMalformedContainerID
	errIllegalEvent
	errMalformedTag
	errLineTooLong
	errPacketTruncated
	numReasons
)

var reasonNames = [numReasons]string{
	errMalformedLine:            "malformed_line",
	errInvalidUTF8:              "invalid_utf8",
	errMixedTaggingStyles:       "mixed_tagging_styles",
	errNotEnoughParts:           "not_enough_parts_after_colon",
	errInvalidExtendedAggregate: "invalid_extended_aggregate_type",
	errMalformedComponent:       "malformed_component",
	errMalformedValue:           "malformed_value",
	errInvalidSampleFactor:      "invalid_sample_factor",
	errMalformedContainerID:     "malformed_container_id",
	errIllegalEvent:             "illegal_event",
	errMalformedTag:             "malformed_tag",
	errLineTooLong:              "line_too_long",
	errPacketTruncated:          "packet_truncated",
}

// drop is why good data was not turned into records; it is the value of the
// reason label of rosetta_input_dropped_total.
type drop uint8

const (
	dropQueueFull drop = iota
	dropEvent
	dropServiceCheck
	dropRepeatLimit
	dropConnectionLimit
	dropNameTooLong
	dropLabelValueTooLong
	dropQueueBytes
	dropTCPIdle
	numDrops
)

var dropNames = [numDrops]string{
	dropQueueFull:         "queue_full",
	dropEvent:             "dogstatsd_event",
	dropServiceCheck:      "dogstatsd_service_check",
	dropRepeatLimit:       "sample_rate_repeat_limit",
	dropConnectionLimit:   "tcp_connection_limit",
	dropNameTooLong:       "name_too_long",
	dropLabelValueTooLong: "label_value_too_long",
	dropQueueBytes:        "queue_bytes_full",
	dropTCPIdle:           "tcp_idle_timeout",
}

// stats are a parser's counts since its last flush into the self-metrics;
// a parser belongs to one goroutine, so counting is plain arithmetic.
type stats struct {
	lines   uint64 // lines seen (statsd_exporter_lines_total)
	samples uint64 // samples parsed (statsd_exporter_samples_total)
	tags    uint64 // samples that carried tags (statsd_exporter_tags_total)
	records uint64 // records emitted
	errors  [numReasons]uint64
	drops   [numDrops]uint64
}

// parserOptions select the dialects.
type parserOptions struct {
	dogStatsD, influxDB, librato, signalFX bool
	// maxRepeat caps how many observations one value sent with a sample
	// rate stands for (statsd_exporter makes int(1/rate) of them,
	// unbounded); they are one record (Record.Repeat).
	maxRepeat int
	// maxName and maxValue are the longest name and tag value accepted
	// (0: no bound); longer ones drop the line.
	maxName, maxValue int
}

// defaultBatchMax is the most records handed to the pipeline at once.
const defaultBatchMax = 4096

// maxInterned bounds each intern table's entries, and the byte budgets
// below bound what they hold: names and values of up to 64 KiB would make
// a count bound alone worth gigabytes. A full table is emptied and
// refilled. Ordinary names (under 100 bytes) reach the count bound first.
const (
	maxInterned = 1 << 15
	// internOverhead is the estimated heap of one entry besides its key.
	internOverhead = 64
	maxNameBytes   = 4 << 20 // nameTable
	maxValueBytes  = 2 << 20 // label values, and whole tags per separator
	maxKeyBytes    = 1 << 20 // label names
	// maxInternLen is the longest string interned (or templated): longer
	// ones are rare, and each would take a large share of a budget.
	maxInternLen = 4096
)

// interner returns stable strings for byte slices: a hit allocates
// nothing, a miss copies once.
type interner struct {
	m     map[string]string
	bytes int
}

// room makes room for an entry of n bytes under max.
func (in *interner) room(n, max int) {
	cost := n + internOverhead
	if in.m == nil {
		in.m = make(map[string]string, 64)
	} else if len(in.m) >= maxInterned || in.bytes+cost > max {
		clear(in.m)
		in.bytes = 0
	}
	in.bytes += cost
}

func (in *interner) get(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	in.room(len(b), maxValueBytes)
	s := string(b)
	in.m[s] = s
	return s
}

// getEscaped returns the label name escaped the way statsd_exporter
// escapes tag keys (normalize.EscapeMetricName is its escaper; the lines
// are valid UTF-8 by then, where the two agree).
func (in *interner) getEscaped(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	in.room(2*len(b), maxKeyBytes)
	s := string(b)
	e := normalize.EscapeMetricName(s)
	in.m[s] = e
	return e
}

// nameTable interns metric names with their normalize.MatchHash, which the
// records carry on so that the rule cache does not hash the name again.
type nameTable struct{ t table[nameEntry, *nameEntry] }

type nameEntry struct{ name string }

func (e *nameEntry) tableKey() string { return e.name }
func (e *nameEntry) tableDropped()    {}
func (e *nameEntry) tableKept()       {}
func (e *nameEntry) tableSweep()      {}

// tableCost is the estimated heap of the entry: its bytes, itself and its
// share of the slots (2 to 4 of 16 bytes).
func (e *nameEntry) tableCost() int { return len(e.name) + 80 }

// lookup returns the interned name and its hash, and whether the name was
// there already.
func (nt *nameTable) lookup(b []byte) (string, uint64, bool) {
	h := normalize.MatchHash(b)
	if e, ok := nt.t.find(h, b); ok {
		return e.name, h, true
	}
	s := string(b)
	if len(s) <= maxInternLen {
		nt.t.add(h, &nameEntry{s}, maxNameBytes)
	}
	return s, h, false
}

// tableEntry is what a table holds: a pointer to a T with a key and an
// estimated heap size.
type tableEntry[T any] interface {
	*T
	tableKey() string
	// tableCost is the bytes the entry holds, its share of the table's
	// slots included.
	tableCost() int
	// When the table drops a generation, tableDropped is called for each
	// of its entries, then tableKept for each entry of the generation
	// kept (an entry moved there is in both), then tableSweep for each
	// entry of either: an entry that refers to others (a template's next)
	// forgets the ones that left, so that no entry kept keeps one alive.
	tableDropped()
	tableKept()
	tableSweep()
}

// table is an open-addressing map from strings, hashed by the caller, to
// entries that hold their key. It is bounded by the estimated bytes of its
// entries, not by a count: it grows with the traffic until its entries
// hold the budget given to add. A slot is a hash and a pointer (16 bytes),
// so that the slots of 10,000 templates take 512 KiB and the lookup of a
// line's template, a cache miss with many series, misses less.
//
// It keeps two generations, so that when more keys are in use than fit,
// it serves what fits instead of thrashing: an entry is added to the
// current generation; when that holds half the budget, it becomes the
// previous one (the one before is dropped) and a new, empty one starts.
// A key found only in the previous generation is moved into the current
// one, so that the keys in use survive and the ones no longer sent are
// dropped within two generations. (Emptying a full table instead, as it
// did, made nearly every lookup miss when a few more keys than fit were
// sent in turn: 10,000 series against 8,192 templates.)
type table[T any, V tableEntry[T]] struct {
	slots []tableSlot[T, V] // the current generation; a power of two
	n     int               // entries in slots and old
	bytes int               // estimated heap of the entries of slots and old (tableCost)

	old      []tableSlot[T, V] // the previous generation
	oldN     int
	oldBytes int
	max      int // the budget of the last add
}

type tableSlot[T any, V tableEntry[T]] struct {
	h uint64
	v V // nil in an unused slot
}

// find returns the entry stored under key.
func (t *table[T, V]) find(h uint64, key []byte) (V, bool) {
	if v, ok := lookupSlot(t.slots, h, key); ok {
		return v, true
	}
	if t.oldN > 0 {
		if v, ok := lookupSlot(t.old, h, key); ok {
			// Still in use: into the current generation. The old
			// generation keeps it (and its cost) until it is dropped.
			t.add(h, v, t.max)
			return v, true
		}
	}
	return nil, false
}

func lookupSlot[T any, V tableEntry[T]](slots []tableSlot[T, V], h uint64, key []byte) (V, bool) {
	if len(slots) == 0 {
		return nil, false
	}
	mask := uint64(len(slots) - 1)
	for i := h & mask; slots[i].v != nil; i = (i + 1) & mask {
		if sl := &slots[i]; sl.h == h && sl.v.tableKey() == string(key) {
			return sl.v, true
		}
	}
	return nil, false
}

// add stores v (not nil) in the current generation, replacing
// what its key had there; the generations together hold at most maxBytes.
func (t *table[T, V]) add(h uint64, v V, maxBytes int) {
	t.max = maxBytes
	cost := v.tableCost()
	switch cur := t.bytes - t.oldBytes; {
	case t.slots == nil:
		t.slots = make([]tableSlot[T, V], 64)
	case cur+cost > maxBytes/2 && cur > 0:
		// A new generation, in the slots of the one dropped (they fit
		// about as many entries) when there are any.
		drop := t.old
		t.old, t.oldN, t.oldBytes = t.slots, t.n-t.oldN, cur
		t.n, t.bytes = t.oldN, t.oldBytes
		if drop == nil {
			drop = make([]tableSlot[T, V], 64)
		}
		for _, sl := range drop {
			if sl.v != nil {
				sl.v.tableDropped()
			}
		}
		for _, sl := range t.old {
			if sl.v != nil {
				sl.v.tableKept()
			}
		}
		for _, gen := range [2][]tableSlot[T, V]{drop, t.old} {
			for _, sl := range gen {
				if sl.v != nil {
					sl.v.tableSweep()
				}
			}
		}
		clear(drop)
		t.slots = drop
	case 2*(t.n-t.oldN+1) > len(t.slots):
		old := t.slots
		t.slots = make([]tableSlot[T, V], 2*len(old))
		t.n, t.bytes = t.oldN, t.oldBytes // insert counts them again
		for _, sl := range old {
			if sl.v != nil {
				t.insert(sl.h, sl.v, sl.v.tableCost())
			}
		}
	}
	t.insert(h, v, cost)
}

// insert puts v into the current generation.
func (t *table[T, V]) insert(h uint64, v V, cost int) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for ; t.slots[i].v != nil; i = (i + 1) & mask {
		if sl := &t.slots[i]; sl.h == h && sl.v.tableKey() == v.tableKey() {
			t.bytes += cost - sl.v.tableCost()
			sl.v = v
			return
		}
	}
	t.slots[i] = tableSlot[T, V]{h: h, v: v}
	t.n++
	t.bytes += cost
}

// parser turns StatsD lines into records. It is not safe for concurrent
// use; each worker and TCP connection has its own.
type parser struct {
	opts parserOptions

	recs   []normalize.Record
	labels normalize.Labels // arena the records' Labels point into
	st     stats

	names nameTable
	strs  interner // label values
	keys  interner // label names, escaped
	// whole tags, by separator
	tagsColon, tagsEq labelInterner
	scratch           []byte

	// emit, when set, receives a full batch in the middle of a line
	// (sample rates can turn one line into very many records).
	emit     func([]normalize.Record)
	batchMax int
	// relay, when set, receives every non-empty line.
	relay *relayBuf

	// per line
	recStart   int    // len(recs) when the line started
	lineLabels int    // len(labels) when the line started
	deduped    int    // len(labels) after the line's last dedupe
	rawName    []byte // the metric name, not yet interned
	// lineLongValue is set when a tag of the line has a value longer than
	// maxValue: its samples are dropped.
	lineLongValue bool
	name          string // rawName interned, once a record needs it
	nameHash      uint64 // normalize.MatchHash(name)
	// the line's options were read once: its DogStatsD tags and container
	// ID are in labels (see sample)
	lineOptsSeen bool
	lineTagErrs  uint64 // malformed tags among them

	// line templates (see template.go)
	tmpls     table[lineTemplate, *lineTemplate]
	tmplBytes int         // the templates' byte budget (maxTemplateBytes)
	key       templateKey // the current line's
	keyBuf    []byte      // backs key.key
	// prevTmpl is the template of the last line when it had one; its
	// next predicts this line's (lookupTemplate). mispredicts is a
	// score of recent mispredictions (predictOff).
	prevTmpl    *lineTemplate
	mispredicts int
	predicted   uint64 // lines whose template was the predicted one (tests)
	nameKnown   bool   // the line's name was interned before
	// what sample did to the line's one value
	tmDiv    float64 // divided it by (a counter's sample rate, 1000 for a timer)
	tmRates  int     // counter sample rates applied (a template needs at most one)
	tmRepeat int64   // records made of it
}

func newParser(opts parserOptions) *parser {
	if opts.maxRepeat <= 0 {
		opts.maxRepeat = DefaultConfig.MaxSampleRateRepeat
	}
	return &parser{opts: opts, batchMax: defaultBatchMax, tmplBytes: maxTemplateBytes}
}

// reset forgets the records and labels of the last batch. It does not
// zero them: they point only at interned strings and into the label
// arena, the next batch overwrites them, and what they keep alive until
// then is bounded by the batch size.
func (p *parser) reset() {
	p.recs = p.recs[:0]
	p.labels = p.labels[:0]
}

// parsePacket parses a datagram: lines separated by "\n", every piece
// counted as a line, as statsd_exporter does.
func (p *parser) parsePacket(pkt []byte) {
	for {
		i := bytes.IndexByte(pkt, '\n')
		if i < 0 {
			p.st.lines++
			p.parse(pkt)
			return
		}
		p.st.lines++
		p.parse(pkt[:i])
		pkt = pkt[i+1:]
	}
}

// parse parses one line and, with a relay, hands every non-empty line to
// it as received, as statsd_exporter relays: the target may read lines
// this parser does not (sets for a Datadog agent, say).
func (p *parser) parse(line []byte) {
	if p.relay != nil && len(line) > 0 {
		p.relay.add(line)
	}
	p.parseLine(line)
}

var (
	prefixEvent        = []byte("_e{")
	prefixServiceCheck = []byte("_sc|")
	prefixCardinality  = []byte("card:")
	doublePipe         = []byte("||")
)

// parseLine parses one line and appends its records. It follows
// statsd_exporter v0.31.0's line.Parser.LineToEvents step by step (so the
// same lines give the same samples and the same error reasons), except
// where docs/statsd.md says otherwise.
func (p *parser) parseLine(line []byte) {
	if len(line) == 0 {
		return
	}
	if line[0] == '_' {
		if bytes.HasPrefix(line, prefixEvent) {
			p.st.drops[dropEvent]++
			return
		}
		if bytes.HasPrefix(line, prefixServiceCheck) {
			p.st.drops[dropServiceCheck]++
			return
		}
	}
	// A line seen before but for its value takes the fast path: the
	// predicted template's, else the table's.
	if t, v, ok := p.predictLine(line); ok && p.applyTemplate(t, v) {
		return
	}
	ok := p.templateKey(line)
	if ok && p.fromTemplate(&p.key) {
		return
	}
	p.prevTmpl = nil // the full parser: no template to follow, unless one is added
	var errs, drops uint64
	if ok {
		errs, drops = p.st.problems()
	}
	addTmpl := false
	sc := scanLine(line)
	colon := sc.colon
	if colon <= 0 {
		p.st.errors[errMalformedLine]++
		return
	}
	name, rest := line[:colon], line[colon+1:]
	if sc.nonASCII && !utf8.Valid(line) {
		p.st.errors[errInvalidUTF8]++
		return
	}
	sq, eq, tagAt := -1, -1, -1 // first '[', first ']', first Librato/InfluxDB delimiter
	if p.opts.signalFX {
		sq, eq = sc.sq, sc.eq
	}
	if p.opts.librato {
		tagAt = sc.hash
	}
	if p.opts.influxDB {
		if j := sc.comma; j >= 0 && (tagAt < 0 || j < tagAt) {
			tagAt = j
		}
	}
	var (
		p1              = sc.pipe - colon - 1 // first '|' in rest
		colonInPart0    bool                  // ':' before the first '|': extended aggregation
		dog, moreColons bool                  // "|#" anywhere; ':' after the first '|'
	)
	if sc.pipe < 0 {
		p1 = -1
	} else {
		colonInPart0 = sc.colonInPart0
		dog = sc.dog
		moreColons = !dog && !colonInPart0 && sc.colonAfterPipe
	}
	p.recStart = len(p.recs)
	p.lineLabels = len(p.labels)
	p.deduped = -1
	p.lineOptsSeen, p.lineTagErrs = false, 0
	p.lineLongValue = false
	p.rawName = p.nameAndTags(name, sq, eq, tagAt)
	p.name = ""
	if p.opts.maxName > 0 && len(p.rawName) > p.opts.maxName {
		p.st.drops[dropNameTooLong]++
		p.dropLineLabels()
		return
	}
	if dog && len(p.labels) > p.lineLabels {
		p.st.errors[errMixedTaggingStyles]++
		p.dropLineLabels()
		return
	}
	if p1 < 0 {
		p.st.errors[errNotEnoughParts]++
		p.dropLineLabels()
		return
	}
	part0, after := rest[:p1], rest[p1+1:]
	switch {
	case colonInPart0:
		// DogStatsD extended aggregation: "name:1:2:3|ms|...".
		typ := after
		if j := bytes.IndexByte(after, '|'); j >= 0 {
			typ = after[:j]
		}
		if !isObserverType(typ) {
			p.st.errors[errInvalidExtendedAggregate]++
			p.dropLineLabels()
			return
		}
		for {
			j := bytes.IndexByte(part0, ':')
			if j < 0 {
				p.sample(part0, after)
				break
			}
			p.sample(part0[:j], after)
			part0 = part0[j+1:]
		}
	case dog || !moreColons:
		// One sample; DogStatsD tags turn off multi-value lines.
		p.sample(part0, after)
		if ok && p.nameKnown && p.tmRates <= 1 {
			if e, d := p.st.problems(); e == errs && d == drops {
				addTmpl = true
			}
		}
	default:
		// "name:1|c:2|g" carries several samples.
		for {
			j := bytes.IndexByte(rest, ':')
			piece := rest
			if j >= 0 {
				piece = rest[:j]
			}
			if k := bytes.IndexByte(piece, '|'); k >= 0 {
				p.sample(piece[:k], piece[k+1:])
			} else {
				p.st.samples++
				p.st.errors[errMalformedComponent]++
			}
			if j < 0 {
				break
			}
			rest = rest[j+1:]
		}
	}
	// statsd_exporter's samples of one line share one label map, so every
	// sample of the line carries every tag the line had, even one a later
	// sample added (a container ID).
	if len(p.recs) == p.recStart {
		p.dropLineLabels()
		return
	}
	if len(p.labels) > p.lineLabels {
		ls := p.lineLabelSlice()
		for i := p.recStart; i < len(p.recs); i++ {
			p.recs[i].Labels = ls
		}
	}
	if addTmpl {
		p.addTemplate(&p.key)
	}
}

// lineLabelSlice dedupes the line's labels and returns them, capped so
// that appending to the slice cannot overwrite the arena.
func (p *parser) lineLabelSlice() normalize.Labels {
	n := len(p.labels)
	if n-p.lineLabels > 1 && n != p.deduped {
		p.dedupeLineLabels()
		p.deduped = len(p.labels)
		n = len(p.labels)
	}
	if n == p.lineLabels {
		return nil
	}
	return p.labels[p.lineLabels:n:n]
}

// dedupeLineLabels removes repeated label names from the line's labels,
// keeping the last value as statsd_exporter's label map does. Repeats come
// from tags given twice and from extended-aggregation lines, whose tags
// are parsed once per value.
func (p *parser) dedupeLineLabels() {
	ls := p.labels[p.lineLabels:]
	if len(ls) > 32 {
		out := ls.Sort()
		clear(ls[len(out):])
		p.labels = p.labels[:p.lineLabels+len(out)]
		return
	}
	// Check first: most lines have no repeated name.
	dups := false
	for i := 1; i < len(ls) && !dups; i++ {
		for j := range i {
			if ls[i].Name == ls[j].Name {
				dups = true
				break
			}
		}
	}
	if !dups {
		return
	}
	out := ls[:0]
	for i := range ls {
		dup := false
		for j := i + 1; j < len(ls); j++ {
			if ls[j].Name == ls[i].Name {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, ls[i])
		}
	}
	clear(ls[len(out):])
	p.labels = p.labels[:p.lineLabels+len(out)]
}

// dropLineLabels forgets the labels of a line that produced nothing.
func (p *parser) dropLineLabels() {
	clear(p.labels[p.lineLabels:])
	p.labels = p.labels[:p.lineLabels]
}

// byte classes for scanLine
const (
	clsColon = 1 + iota
	clsPipe
	clsHash
	clsComma
	clsOpen
	clsClose
	clsHigh
)

var scanClass = func() (t [256]uint8) {
	t[':'], t['|'], t['#'], t[','], t['['], t[']'] = clsColon, clsPipe, clsHash, clsComma, clsOpen, clsClose
	for c := 0x80; c < 0x100; c++ {
		t[c] = clsHigh
	}
	return t
}()

// lineScan is what one pass over a line finds; positions are indexes into
// the line, -1 when absent.
type lineScan struct {
	colon          int  // first ':'
	sq, eq         int  // first '[' and ']' before colon
	hash, comma    int  // first '#' and ',' before colon
	pipe           int  // first '|' after colon
	colonInPart0   bool // a ':' between colon and pipe
	colonAfterPipe bool // a ':' after pipe
	dog            bool // "|#" after pipe (the '|' may be pipe itself)
	nonASCII       bool
}

// scanLine answers every structural question parseLine asks in one pass
// over the line: most bytes are in no class, and lines are short, so a
// table lookup per byte beats a vectorized search per question.
func scanLine(line []byte) lineScan {
	sc := lineScan{colon: -1, sq: -1, eq: -1, hash: -1, comma: -1, pipe: -1}
	for i, c := range line {
		k := scanClass[c]
		if k == 0 {
			continue
		}
		switch k {
		case clsColon:
			switch {
			case sc.colon < 0:
				sc.colon = i
			case sc.pipe < 0:
				sc.colonInPart0 = true
			default:
				sc.colonAfterPipe = true
			}
		case clsPipe:
			if sc.colon >= 0 && sc.pipe < 0 {
				sc.pipe = i
			}
		case clsHash:
			if sc.colon < 0 {
				if sc.hash < 0 {
					sc.hash = i
				}
			} else if sc.pipe >= 0 && i > sc.pipe && line[i-1] == '|' {
				sc.dog = true
			}
		case clsComma:
			if sc.colon < 0 && sc.comma < 0 {
				sc.comma = i
			}
		case clsOpen:
			if sc.colon < 0 && sc.sq < 0 {
				sc.sq = i
			}
		case clsClose:
			if sc.colon < 0 && sc.eq < 0 {
				sc.eq = i
			}
		default:
			sc.nonASCII = true
		}
	}
	return sc
}

func isObserverType(t []byte) bool {
	switch string(t) {
	case "ms", "h", "d":
		return true
	}
	return false
}

// nameAndTags strips SignalFx, Librato or InfluxDB tags from the name part
// of a line, adding them as labels, and returns the bare name (which may
// live in p.scratch until the next line).
func (p *parser) nameAndTags(name []byte, s, e, tagAt int) []byte {
	if p.opts.signalFX {
		switch {
		case s >= 0 && e > s:
			p.nameTags(name[s+1 : e])
			if e == len(name)-1 {
				return name[:s]
			}
			p.scratch = append(append(p.scratch[:0], name[:s]...), name[e+1:]...)
			return p.scratch
		case s >= 0 && e >= 0:
			// "]" before "[": statsd_exporter v0.31.0 panics here.
			p.st.errors[errMalformedTag]++
			return name
		case (s >= 0) != (e >= 0):
			p.st.errors[errMalformedTag]++
			return name
		}
	}
	if tagAt >= 0 {
		p.nameTags(name[tagAt+1:])
		return name[:tagAt]
	}
	return name
}

// nameTags parses "a=b,c=d".
func (p *parser) nameTags(s []byte) {
	for {
		i := bytes.IndexByte(s, ',')
		if i < 0 {
			break
		}
		p.tag(s[:i], '=')
		s = s[i+1:]
	}
	if len(s) > 0 {
		p.tag(s, '=')
	}
}

// dogTags parses DogStatsD's "a:b,#c:d" (a leading "#" on a tag is
// dropped).
func (p *parser) dogTags(s []byte) {
	for {
		i := bytes.IndexByte(s, ',')
		if i < 0 {
			break
		}
		p.tag(trimHash(s[:i]), ':')
		s = s[i+1:]
	}
	if len(s) > 0 {
		p.tag(trimHash(s), ':')
	}
}

func trimHash(s []byte) []byte {
	if len(s) > 0 && s[0] == '#' {
		return s[1:]
	}
	return s
}

// tag parses one "key<sep>value" tag; a whole tag seen before costs one
// map lookup.
func (p *parser) tag(t []byte, sep byte) {
	tags := &p.tagsColon
	if sep == '=' {
		tags = &p.tagsEq
	}
	if l, ok := tags.m[string(t)]; ok {
		p.labels = append(p.labels, l)
		return
	}
	i := bytes.IndexByte(t, sep)
	if i <= 0 || i == len(t)-1 {
		p.st.errors[errMalformedTag]++
		return
	}
	if p.opts.maxValue > 0 && len(t)-i-1 > p.opts.maxValue {
		// The line is dropped (sample): keep none of it.
		p.lineLongValue = true
		return
	}
	l := normalize.Label{Name: p.keys.getEscaped(t[:i]), Value: p.strs.get(t[i+1:])}
	tags.put(t, l)
	p.labels = append(p.labels, l)
}

// labelInterner maps whole raw tags to their parsed label.
type labelInterner struct {
	m     map[string]normalize.Label
	bytes int
}

func (in *labelInterner) put(t []byte, l normalize.Label) {
	if len(t) > maxInternLen {
		return
	}
	cost := len(t) + internOverhead
	if in.m == nil {
		in.m = make(map[string]normalize.Label, 64)
	} else if len(in.m) >= maxInterned || in.bytes+cost > maxValueBytes {
		clear(in.m)
		in.bytes = 0
	}
	in.bytes += cost
	in.m[string(t)] = l
}

// sample parses "value|type|option|...", the value and the rest apart.
func (p *parser) sample(value, tail []byte) {
	p.st.samples++
	p.tmDiv, p.tmRates = 1, 0
	typ, opts := tail, []byte(nil)
	nopts := 0
	if j := bytes.IndexByte(tail, '|'); j >= 0 {
		typ, opts = tail[:j], tail[j+1:]
		nopts = bytes.Count(opts, []byte{'|'}) + 1
	}
	if 2+nopts > 6 {
		p.st.errors[errMalformedComponent]++
		return
	}
	relative := len(value) > 0 && (value[0] == '+' || value[0] == '-')
	v, ok := parseFloat(value)
	if !ok {
		p.st.errors[errMalformedValue]++
		return
	}
	repeat := int64(1)
	if nopts > 0 {
		if len(opts) == 0 || opts[0] == '|' || opts[len(opts)-1] == '|' || bytes.Contains(opts, doublePipe) {
			p.st.errors[errMalformedComponent]++
			return
		}
		// The values of an extended-aggregation line share one tail: its
		// tags and container ID are added for the first value only (the
		// malformed tags counted for each, as statsd_exporter counts
		// them), so a line of many values and many tags costs their sum,
		// not their product.
		again, tagsCounted := p.lineOptsSeen, false
		p.lineOptsSeen = true
		for rest := opts; len(rest) > 0; {
			o := rest
			if j := bytes.IndexByte(rest, '|'); j >= 0 {
				o, rest = rest[:j], rest[j+1:]
			} else {
				rest = nil
			}
			switch o[0] {
			case '@':
				rate, ok := parseFloat(o[1:])
				if !ok {
					// statsd_exporter counts the error and goes on with
					// what ParseFloat returned (0 means no rate).
					p.st.errors[errInvalidSampleFactor]++
				}
				if rate == 0 {
					rate = 1
				}
				switch string(typ) {
				case "c":
					v /= rate
					p.tmDiv = rate
					p.tmRates++
				case "ms", "h", "d":
					repeat = repeats(rate)
				}
			case '#':
				if !p.opts.dogStatsD {
					break
				}
				if again {
					if !tagsCounted {
						p.st.errors[errMalformedTag] += p.lineTagErrs
						tagsCounted = true
					}
					break
				}
				before := p.st.errors[errMalformedTag]
				p.dogTags(o[1:])
				p.lineTagErrs += p.st.errors[errMalformedTag] - before
			case 'c':
				// DogStatsD 1.2 container ID: "|c:<id>".
				if len(o) > 2 && o[1] == ':' {
					if !again {
						p.labels = append(p.labels, normalize.Label{Name: "container_id", Value: p.strs.get(o[2:])})
					}
				} else if !bytes.HasPrefix(o, prefixCardinality) {
					// DogStatsD tag cardinality "|card:low" is ignored
					// (statsd_exporter rejects the sample); anything else
					// is a malformed container ID.
					p.st.errors[errMalformedContainerID]++
					return
				}
			case 'e':
				// DogStatsD external data "|e:...": ignored
				// (statsd_exporter rejects the sample).
				if len(o) < 2 || o[1] != ':' {
					p.st.errors[errInvalidSampleFactor]++
					return
				}
			case 'T':
				// DogStatsD 1.3 timestamp: ignored, as statsd_exporter does.
			default:
				p.st.errors[errInvalidSampleFactor]++
				return
			}
		}
	}
	if len(p.labels) > p.lineLabels {
		p.st.tags++
	}
	var (
		t     normalize.Type
		delta bool
	)
	switch string(typ) {
	case "c":
		t, delta = normalize.TypeCounter, true
	case "g":
		t, delta = normalize.TypeGauge, relative
	case "ms":
		t, v, p.tmDiv = normalize.TypeObserver, v/1000, 1000
	case "h", "d":
		t = normalize.TypeObserver
	default:
		// Unknown types and sets ("s", which statsd_exporter does not
		// support either), once per repeat as statsd_exporter counts them.
		p.st.errors[errIllegalEvent] += uint64(max(repeat, 0))
		return
	}
	if repeat <= 0 {
		return
	}
	// NaN and infinite values go on as statsd_exporter takes them: a
	// gauge is set to them, a counter adds them (a negative one is
	// refused after the rules, as statsd_exporter refuses it after its
	// mapping and scale), an observation observes them.
	if repeat > int64(p.opts.maxRepeat) {
		p.st.drops[dropRepeatLimit] += uint64(repeat - int64(p.opts.maxRepeat))
		repeat = int64(p.opts.maxRepeat)
	}
	if p.lineLongValue {
		p.st.drops[dropLabelValueTooLong]++
		return
	}
	if p.name == "" {
		p.name, p.nameHash, p.nameKnown = p.names.lookup(p.rawName)
	}
	p.tmRepeat = repeat
	if len(p.recs) >= p.batchMax && p.emit != nil {
		p.spill()
	}
	p.recs = append(p.recs, normalize.Record{Match: p.name, MatchHash: p.nameHash, Labels: p.lineLabelSlice(), Value: v, Type: t, Delta: delta, Repeat: recordRepeat(repeat)})
	p.st.records += uint64(repeat)
}

// spill hands the full batch to emit in the middle of a line and keeps the
// line's labels for its remaining records.
func (p *parser) spill() {
	p.emit(p.recs)
	clear(p.recs)
	p.recs = p.recs[:0]
	n := copy(p.labels, p.labels[p.lineLabels:])
	clear(p.labels[n:])
	p.labels = p.labels[:n]
	p.lineLabels, p.recStart, p.deduped = 0, 0, -1
}

// flush hands the batch to emit and starts a new one, and the relayed
// lines to the relay.
func (p *parser) flush() {
	if len(p.recs) > 0 && p.emit != nil {
		p.emit(p.recs)
	}
	p.reset()
	if p.relay != nil {
		p.relay.flush()
	}
}

// recordRepeat is Record.Repeat for repeat observations: 0 for one.
func recordRepeat(repeat int64) uint32 {
	if repeat <= 1 {
		return 0
	}
	return uint32(min(repeat, math.MaxUint32))
}

// repeats is int(1/rate) as statsd_exporter computes it on amd64: results
// that do not fit an int (and NaN) become its minimum, so none.
func repeats(rate float64) int64 {
	r := 1 / rate
	if r >= 1 && r < math.MaxInt64 {
		return int64(r)
	}
	return 0
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat parses b as strconv.ParseFloat(string(b), 64) does and
// returns what it returns (ok is err == nil). Plain decimals of up to 15
// digits take a fast path whose result is exact: both the digits and the
// power of ten are exact doubles, and one IEEE division rounds correctly.
func parseFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		i = 1
	}
	var (
		m      uint64
		nd     int
		frac   int
		sawDot bool
	)
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			nd++
			if sawDot {
				frac++
			}
			if nd > 15 {
				return parseFloatSlow(b)
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			return parseFloatSlow(b)
		}
	}
	if nd == 0 {
		return parseFloatSlow(b)
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

func parseFloatSlow(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}
