package statsd

import (
	"bytes"
	"unicode/utf8"

	"github.com/rosetta-adapter/rosetta/normalize"
)

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
			p.parseLikePeer(line, dropEvent)
			return
		}
		if bytes.HasPrefix(line, prefixServiceCheck) {
			p.parseLikePeer(line, dropServiceCheck)
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
	p.parseFull(line, ok)
}

// parseLikePeer reads a DogStatsD event or service check line as
// statsd_exporter does: it parses every line as a metric line. What the
// full parser finds is kept and counted as any line's, since
// statsd_exporter serves it (`_sc|1:2|c` is a counter named `_sc|1`). A
// line that gives no sample (usually a malformed value:
// `_e{5,4}:title|text`) is valid DogStatsD, not a bad line: Rosetta counts
// it as dropped (why), while what the parser found (samples, tags, errors)
// goes to p.st.peer, for statsd_exporter's own families.
func (p *parser) parseLikePeer(line []byte, why drop) {
	saved := p.st
	p.st = stats{}
	recs, labels := len(p.recs), len(p.labels)
	p.parseFull(line, false)
	found := p.st
	if len(p.recs) > recs {
		p.st = saved
		p.st.add(&found)
		return
	}
	p.labels = p.labels[:labels] // tags of a line that gave no record
	p.st = saved
	p.st.drops[why]++
	p.st.peer.samples += found.samples
	p.st.peer.tags += found.tags
	for r, n := range found.errors {
		p.st.peer.errors[r] += n
	}
}

// parseFull parses line with the full parser; ok says p.key holds the
// line's template key, so that the line may become a template.
func (p *parser) parseFull(line []byte, ok bool) {
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
