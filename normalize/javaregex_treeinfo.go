package normalize

import "math"

// TreeInfo: the lengths and determinism java.util.regex's study() computes
// for each node of a pattern, in its int arithmetic.

// javaTreeInfo is java.util.regex's TreeInfo for a part of a pattern:
// what Java's study() computes, in its int arithmetic (wrapping), to
// decide whether a lookbehind has an "obvious maximum length" and which
// lengths it tries, and whether a repeated group is deterministic (its
// GroupCurly node). Rosetta reproduces it because Java's answers are
// its own: (?<!(0)*) is accepted, (?<!0(0)*) is not, and (?<=xa*b*c?)
// only tries lengths up to a maximum that wrapped around.
type javaTreeInfo struct {
	min, max int32
	valid    bool // maxValid
	det      bool // deterministic
	// inf: the part can match unboundedly long text (the true maximum,
	// which Java's wrapped max may not show).
	inf bool
	// trueMax is the maximum without wrapping (saturating), when !inf.
	trueMax int64
	// forward: the part holds a possessive repetition or an atomic
	// group, which Java's lookbehind (matched forwards, then checked to
	// end where the lookbehind stands) and a right-to-left lookbehind
	// do not give up alike.
	forward bool
	// checks are the overflow checks of the repetitions in this part
	// (Curly, GroupCurly) that depend on the max before this part: at
	// offset off of this part's max, adding add must not make max
	// smaller.
	checks []javaMaxCheck
}

type javaMaxCheck struct{ off, add int32 }

func newJavaTreeInfo() javaTreeInfo { return javaTreeInfo{valid: true, det: true} }

// javaMaxReps is Pattern.MAX_REPS, the cmax of *, + and {n,}.
const javaMaxReps = math.MaxInt32

// fixed is a part of fixed lengths (a character, a literal, \R).
func javaFixed(min, max int) javaTreeInfo {
	ti := newJavaTreeInfo()
	ti.min, ti.max, ti.trueMax = int32(min), int32(max), int64(max)
	return ti
}

// then is a followed by b (study of consecutive nodes).
func (a javaTreeInfo) then(b javaTreeInfo) javaTreeInfo {
	out := javaTreeInfo{
		min:     a.min + b.min,
		max:     a.max + b.max,
		valid:   a.valid && b.valid,
		det:     a.det && b.det,
		inf:     a.inf || b.inf,
		trueMax: satAdd(a.trueMax, b.trueMax),
		forward: a.forward || b.forward,
	}
	if len(a.checks)+len(b.checks) > 0 {
		out.checks = append(append([]javaMaxCheck(nil), a.checks...), make([]javaMaxCheck, 0, len(b.checks))...)
		for _, c := range b.checks {
			out.checks = append(out.checks, javaMaxCheck{off: c.off + a.max, add: c.add})
		}
	}
	return out
}

// resolved is a studied from a fresh TreeInfo (the atom of a repetition,
// an alternative of a branch, a lookbehind's body): its checks decided.
func (a javaTreeInfo) resolved() javaTreeInfo {
	for _, c := range a.checks {
		if c.off+c.add < c.off {
			a.valid = false
		}
	}
	a.checks = nil
	return a
}

// branch is Java's Branch over alternatives (each studied fresh).
func javaBranch(alts []javaTreeInfo) javaTreeInfo {
	out := newJavaTreeInfo()
	out.min, out.max = math.MaxInt32, -1
	for _, a := range alts {
		a = a.resolved()
		out.min = min(out.min, a.min)
		out.max = max(out.max, a.max)
		out.valid = out.valid && a.valid
		out.inf = out.inf || a.inf
		out.trueMax = max(out.trueMax, a.trueMax)
		out.forward = out.forward || a.forward
	}
	out.det = false
	return out
}

// ques is Java's Ques (x?, x{0,1}, and a possessive group's ?+): the
// atom studied in place, its minimum dropped.
func (a javaTreeInfo) ques() javaTreeInfo {
	a.min = 0
	a.det = false
	return a
}

// curly is Java's Curly or GroupCurly: atom repeated cmin to cmax
// (javaMaxReps: unbounded) times.
func (a javaTreeInfo) curly(cmin, cmax int) javaTreeInfo {
	a = a.resolved()
	out := newJavaTreeInfo()
	m := int64(a.min) * int64(cmin)
	if m > math.MaxInt32 {
		m = 0xFFFFFFF // Java: "arbitrary large number"
	}
	out.min = int32(m)
	out.det = a.det && cmin == cmax
	out.inf = cmax == javaMaxReps && (a.trueMax > 0 || a.inf) || a.inf && cmax > 0
	out.trueMax = satMul(a.trueMax, int64(cmax))
	out.forward = a.forward
	if !a.valid {
		out.valid = false
		return out
	}
	add := int32(int64(a.max) * int64(cmax))
	out.max = add
	out.checks = []javaMaxCheck{{0, add}}
	return out
}

// greedyChar is Java's CharPropertyGreedy (a character or class
// repeated greedily without bound: no overflow check).
func javaGreedyChar(cmin int) javaTreeInfo {
	out := newJavaTreeInfo()
	out.min = int32(cmin)
	out.max = javaMaxReps
	out.det = false
	out.inf = true
	return out
}

// javaLoop is Java's Loop (a non-deterministic group repeated): no
// maximum.
func javaLoop() javaTreeInfo {
	out := newJavaTreeInfo()
	out.valid, out.det, out.inf = false, false, true
	return out
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// javaLeaf is the kind of node Java makes of an atom that is no group.
type javaLeaf int

const (
	leafChar     javaLeaf = iota // a CharProperty: one character or class
	leafZero                     // an anchor or boundary
	leafLineEnd                  // \R
	leafBackref                  // a backreference (no maximum)
	leafQuote                    // \Q...\E: a literal, then its last character
	leafGrapheme                 // \X
)

// javaQuantified is the TreeInfo of the atom just read (atom) repeated lo
// to hi (-1: unbounded) times, with mode ("", "?" lazy, "+"
// possessive), as Java builds the node: a Ques for {0,1} (a Branch
// for a group), a GroupCurly or a Loop for a group, a
// CharPropertyGreedy for a character repeated greedily without bound,
// a Curly otherwise.
func (t *javaTranslator) javaQuantified(atom javaTreeInfo, lo, hi int, mode string) javaTreeInfo {
	var prefix *javaTreeInfo
	if !t.lastGroup.valid && t.leaf == leafQuote && t.quoteLen > 1 {
		// the quantifier applies to the last character only
		p := javaFixed(t.quoteLen-1, t.quoteLen-1)
		prefix, atom = &p, javaFixed(1, 1)
	}
	group := t.lastGroup.valid && !t.lastGroup.assertion
	cmax := hi
	if hi < 0 {
		cmax = javaMaxReps
	}
	var out javaTreeInfo
	switch {
	case lo == 0 && hi == 1 && group && mode != "+":
		out = javaBranch([]javaTreeInfo{atom, newJavaTreeInfo()})
	case lo == 0 && hi == 1:
		out = atom.ques()
	case group && mode != "+":
		if atom.resolved().det {
			out = atom.curly(lo, cmax)
		} else {
			out = javaLoop()
		}
	case !t.lastGroup.valid && (t.leaf == leafChar || t.leaf == leafQuote) && mode == "" && hi < 0:
		out = javaGreedyChar(lo)
	default:
		out = atom.curly(lo, cmax)
	}
	if mode == "+" {
		out.forward = true
	}
	if prefix != nil {
		out = prefix.then(out)
	}
	return out
}

// leafInfo is the TreeInfo of the atom just read when it is no group.
func (t *javaTranslator) leafInfo() javaTreeInfo {
	switch t.leaf {
	case leafZero:
		return newJavaTreeInfo()
	case leafLineEnd:
		return javaFixed(1, 2)
	case leafBackref:
		ti := newJavaTreeInfo()
		ti.valid = false
		return ti
	case leafQuote:
		return javaFixed(t.quoteLen, t.quoteLen)
	case leafGrapheme:
		// XGrapheme.study: one more to the minimum, nothing to the
		// maximum; it matches forwards, atomically
		ti := javaFixed(1, 0)
		ti.det, ti.inf, ti.forward = false, true, true
		return ti
	}
	return javaFixed(1, 1)
}
