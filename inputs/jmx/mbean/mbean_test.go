package mbean

import (
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBeanName(t *testing.T) {
	tests := []struct {
		in    string
		want  BeanName
		error bool
	}{
		{in: "java.lang:type=Memory", want: BeanName{Domain: "java.lang", Props: []Prop{{"type", "Memory"}}}},
		{in: "java.lang:name=G1 Old Gen,type=MemoryPool", want: BeanName{Domain: "java.lang", Props: []Prop{{"name", "G1 Old Gen"}, {"type", "MemoryPool"}}}},
		{in: `com.example:type=Stats,zone=eu,app="my app"`, want: BeanName{Domain: "com.example", Props: []Prop{{"type", "Stats"}, {"zone", "eu"}, {"app", `"my app"`}}}},
		{in: `d:k="a,b=\"c\"",x=`, want: BeanName{Domain: "d", Props: []Prop{{"k", `"a,b=\"c\""`}, {"x", ""}}}},
		{in: "nodomain", error: true},
		{in: "d:", error: true},
		{in: `d:k="open`, error: true},
	}
	for _, tc := range tests {
		got, err := ParseBeanName(tc.in)
		if tc.error {
			if err == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		tc.want.Name = tc.in
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func FuzzParseBeanName(f *testing.F) {
	for _, s := range []string{"java.lang:type=Memory", `com.example:type=Stats,zone=eu,app="my app"`, `d:k="a,b=\"c\"",x=`, "d:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBeanName(s)
		if err != nil {
			return
		}
		// Rebuilding the name from its parts gives the name back.
		var sb strings.Builder
		sb.WriteString(b.Domain)
		sb.WriteByte(':')
		for i, p := range b.Props {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(p.Key + "=" + p.Value)
		}
		if sb.String() != s {
			t.Fatalf("%q parsed to %+v, rebuilt as %q", s, b, sb.String())
		}
	})
}

func TestBigDecimal(t *testing.T) {
	tests := []struct {
		unscaled string
		scale    int32
		want     string
	}{
		{"123456789", 4, "12345.6789"}, {"123", 9, "1.23E-7"}, {"123", 0, "123"},
		{"123", -2, "1.23E+4"}, {"-5", 1, "-0.5"}, {"1", 6, "0.000001"}, {"1", 7, "1E-7"},
	}
	for _, tc := range tests {
		u, _ := new(big.Int).SetString(tc.unscaled, 10)
		if got := BigDecimal(u, tc.scale).Text; got != tc.want {
			t.Errorf("BigDecimal(%s, %d) = %q, want %q", tc.unscaled, tc.scale, got, tc.want)
		}
	}
}
