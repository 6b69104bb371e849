package normalize

import (
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// DefaultRegexTimeout bounds one match of a backtracking regex (a Java
// pattern RE2 cannot express).
const DefaultRegexTimeout = 50 * time.Millisecond

// maxRegexTimeouts is how many strings a backtracking rule may time out
// on before it is skipped for every string: a pathological pattern costs
// at most this many time limits per rule set, not one per string.
const maxRegexTimeouts = 8

// regex is a compiled regex rule match: RE2, or, for a Java pattern RE2
// cannot express, the backtracking engine with a time limit per match.
type regex struct {
	re2 *regexp.Regexp
	bt  *regexp2.Regexp
	// ascii, beside bt, is RE2's equivalent of bt on an input of ASCII
	// characters only (javaTranslation.asciiExpr).
	ascii *regexp.Regexp
	names []string // group names by number; [0] is ""

	timeouts atomic.Uint64 // matches that hit the time limit
}

var errRegexTimeout = errors.New("regex match time limit exceeded")

func compileRE2(expr string) (*regex, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	return &regex{re2: re, names: re.SubexpNames()}, nil
}

// compileJava compiles a java.util.regex pattern with Java's meaning.
func compileJava(p string, timeout time.Duration) (*regex, error) {
	tr, err := translateJava(p)
	if err != nil {
		return nil, err
	}
	if !tr.backtrack {
		re, err := regexp.Compile(tr.expr)
		if err != nil {
			return nil, fmt.Errorf("translated for RE2 as %q: %w", tr.expr, err)
		}
		return &regex{re2: re, names: tr.names}, nil
	}
	re, err := regexp2.Compile(tr.expr, regexp2.None)
	if err != nil {
		return nil, fmt.Errorf("translated for the backtracking engine as %q: %w", tr.expr, err)
	}
	if timeout <= 0 {
		timeout = DefaultRegexTimeout
	}
	re.MatchTimeout = timeout
	x := &regex{bt: re, names: tr.names}
	if tr.asciiExpr != "" {
		if x.ascii, err = regexp.Compile(tr.asciiExpr); err != nil {
			return nil, fmt.Errorf("translated for RE2 as %q: %w", tr.asciiExpr, err)
		}
	}
	return x, nil
}

// NumSubexp is the number of capturing groups.
func (x *regex) NumSubexp() int { return len(x.names) - 1 }

// SubexpNames are the groups' names by number.
func (x *regex) SubexpNames() []string { return x.names }

// backtracking reports whether the slow engine runs this regex.
func (x *regex) backtracking() bool { return x.bt != nil }

// disabled reports whether the rule timed out too often to be tried.
func (x *regex) disabled() bool { return x.timeouts.Load() >= maxRegexTimeouts }

// submatch appends $0 and the groups of the first match in s to caps
// (empty for a group that did not take part). err is errRegexTimeout when
// the time limit ran out.
func (x *regex) submatch(s string, caps []string) ([]string, bool, error) {
	re2 := x.re2
	if re2 == nil && x.ascii != nil && isASCII(s) {
		re2 = x.ascii
	}
	if re2 != nil {
		m := re2.FindStringSubmatchIndex(s)
		if m == nil {
			return caps, false, nil
		}
		for i := 0; i < len(m); i += 2 {
			if m[i] < 0 {
				caps = append(caps, "")
			} else {
				caps = append(caps, s[m[i]:m[i+1]])
			}
		}
		return caps, true, nil
	}
	if x.disabled() {
		return caps, false, errRegexTimeout
	}
	m, err := x.bt.FindStringMatch(s)
	if err != nil {
		x.timeouts.Add(1)
		return caps, false, errRegexTimeout
	}
	if m == nil {
		return caps, false, nil
	}
	for i := 0; i < len(x.names); i++ {
		g := m.GroupByNumber(i)
		if g == nil || len(g.Captures) == 0 {
			caps = append(caps, "")
		} else {
			caps = append(caps, g.String())
		}
	}
	return caps, true, nil
}

// MatchString reports whether s matches (false on a timeout).
func (x *regex) MatchString(s string) bool {
	_, ok, _ := x.submatch(s, nil)
	return ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
