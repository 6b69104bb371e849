package normalize

import (
	"fmt"
	"math"
)

// Lookbehinds as Java runs them: the bounds Java computes from the body's
// TreeInfo (int overflow included), and a rewrite where the backtracking
// engine's right-to-left lookbehind would answer differently.

// lookbehindBounds reproduces the bounds and direction of a Java
// lookbehind whose body has TreeInfo ti (written to t.out from start;
// its ')' just read). Java refuses a body without a maximum length;
// otherwise it tries the start positions from i-min down to i-max (min
// and max computed in int arithmetic that may have wrapped around) and
// matches the body forwards from each, checking that it ends at i. The
// backtracking engine's lookbehind matches right to left from i over
// any length: the same when max is the body's true maximum (or at least
// 2^30, longer than any bean string) and the body has no possessive or
// atomic part. A maximum that wrapped to MinInt32+c (a+bc: MAX_REPS+2)
// makes i-max overflow at positions from c on: no bound there, and
// before c nothing is tried (c counts runes here, UTF-16 units in Java).
// Otherwise the body is written as Java runs it: the text after i
// captured, then a lookahead from each start position in the
// window that must end where that text starts:
// (?=(?<r>[\s\S]*))(?<=(?=BODY\k<r>\z)[\s\S]{min,max}).
func (t *javaTranslator) lookbehindBounds(positive bool, start int, ti javaTreeInfo) error {
	pos := t.pos - 2 // Java reports on the last character of the body
	if !ti.valid {
		return t.errAt(pos, "Look-behind group does not have an obvious maximum length")
	}
	const huge = 1 << 30
	lo, hi := max(int64(ti.min), 0), int64(ti.max)
	bounded, never := true, false
	minPos := int64(0)
	switch {
	case hi == math.MinInt32 || hi >= huge:
		// Java's i-max overflows for every position, or lies before
		// the start: no bound
		bounded = false
	case hi < 0 && hi > math.MinInt32+huge:
		never = true // i-max lies after i
	case hi < 0:
		// i-max overflows from position minPos on: no bound there;
		// before it, i-max lies after i and nothing is tried
		bounded = false
		minPos = hi - math.MinInt32
	case hi < lo:
		never = true
	}
	if !t.bt {
		return nil
	}
	text := t.out.String()
	body, s := text[start:], text[:start]
	switch {
	case never:
		// Keep the body (its groups keep their numbers) where it is
		// never evaluated, or cannot change the outcome.
		if positive {
			s += "(?:(?!)" + body + ")"
		} else {
			s += "(?:|" + body + ")"
		}
	case ti.forward || bounded && (ti.inf || hi != ti.trueMax):
		t.lookbehinds++
		name := fmt.Sprintf("rosettalb%d", t.lookbehinds)
		window := fmt.Sprintf("{%d,}", lo)
		if bounded {
			window = fmt.Sprintf("{%d,%d}", lo, hi)
		}
		inner := body[len("(?<="):]
		inner = inner[:len(inner)-1]
		s += `(?=(?<` + name + `>[\s\S]*))` + body[:len("(?<=")] + `(?=` + inner + `\k<` + name + `>\z)[\s\S]` + window + `)`
	case minPos == 0:
		return nil
	default:
		s += body
	}
	if minPos > 0 {
		// only from position minPos on: a positive lookbehind fails
		// before, a negative one holds
		lb := s[start:]
		s = s[:start]
		if positive {
			s += fmt.Sprintf(`(?<=[\s\S]{%d})`, minPos) + lb
		} else {
			s += fmt.Sprintf(`(?:(?<![\s\S]{%d})|`, minPos) + lb + `)`
		}
	}
	t.out.Reset()
	t.out.WriteString(s)
	return nil
}
