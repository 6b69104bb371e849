package normalize

import "math"

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
