package mappingtest

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// attackNames are the names of the issue 17 attack: two StatsD names of
// 8,000 segments that all differ, and a 64 KB name whose 32,000 segments
// are not literals (each becomes a "*" and a label).
func attackNames() []Name {
	a, b := []string{"x"}, []string{"x"}
	for i := range 8000 {
		a = append(a, "s"+strconv.Itoa(i))
		b = append(b, "t"+strconv.Itoa(i))
	}
	long := "a" + strings.Repeat(".-", 32<<10-1)
	return []Name{
		{Match: strings.Join(a, "."), Type: normalize.TypeCounter},
		{Match: strings.Join(b, "."), Type: normalize.TypeCounter},
		{Match: long, Type: normalize.TypeGauge},
	}
}

// a64 is "x" and MaxSuggestLabels segments prefix0, prefix1, ...
func a64(prefix string) []string {
	out := []string{"x"}
	for i := range MaxSuggestLabels {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSuggestHostileNames: suggestions cost time linear in the names. The
// attack names took 8.5 s (8,000 segments) and 140 s (64 KB) of CPU when
// every label name searched the used suffixes from the start.
func TestSuggestHostileNames(t *testing.T) {
	names := attackNames()
	c0 := cpuNow()
	ss := Suggest(names)
	_ = YAML(ss)
	cpu := cpuNow() - c0
	t.Logf("%d suggestions in %v of CPU", len(ss), cpu)
	// Generous for a shared 2-core machine; BenchmarkSuggestAttack has the
	// number.
	if cpu > time.Second {
		t.Errorf("suggestions took %v of CPU", cpu)
	}
	stars := 0
	for _, s := range ss {
		stars += len(s.Labels)
		seen := map[string]bool{}
		for _, v := range s.Labels {
			if seen[v] {
				t.Fatalf("two labels take %s", v)
			}
			seen[v] = true
		}
	}
	if stars != 0 {
		t.Errorf("%d labels suggested for names of more than %d varying segments", stars, MaxSuggestLabels)
	}
	// Up to the bound, every varying segment is a label of its own.
	ok := Suggest([]Name{{Match: strings.Join(a64("s"), "."), Type: normalize.TypeGauge}, {Match: strings.Join(a64("t"), "."), Type: normalize.TypeGauge}})
	if len(ok) != 1 || len(ok[0].Labels) != MaxSuggestLabels {
		t.Errorf("names of %d varying segments: %+v", MaxSuggestLabels, ok)
	}
}

func BenchmarkSuggestAttack(b *testing.B) {
	names := attackNames()
	b.ReportAllocs()
	for b.Loop() {
		_ = YAML(Suggest(names))
	}
}
