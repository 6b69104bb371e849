package rmi_test

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// FuzzDecode feeds arbitrary streams to the decoder, seeded with every
// reply of the captured session, and what it decodes to the conversion,
// the stub and MBeanInfo readers and the exporter. It must never panic,
// and must respect the limits.
func FuzzDecode(f *testing.F) {
	// Seeds: every reply but the huge ones (minimizing an input derived
	// from the 200 KB JFR reply takes the whole -fuzzminimizetime).
	for _, raw := range rmi.CapturedReplies(f, 32<<10) {
		f.Add(raw)
	}
	lim := javaser.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxStringLen: 64 << 10, MaxArrayLen: 1 << 16, MaxHandles: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if el := time.Since(start); el > 3*time.Second {
				t.Fatalf("one input took %v", el)
			}
		}()
		dec := javaser.NewDecoder(bufio.NewReader(bytes.NewReader(data)), lim)
		if dec.ReadHeader() != nil {
			return
		}
		for range 4 {
			v, err := dec.ReadContent()
			if err != nil {
				return
			}
			c := rmi.Convert(v)
			_ = mbean.JavaString(c)
			var x jmx.Exporter
			bn := mbean.BeanName{Domain: "d", Props: []mbean.Prop{{Key: "k", Value: "v"}}}
			_ = x.Bean(nil, &bn, nil, []mbean.Attribute{{Name: "a", Value: c}})
			_, _ = rmi.ParseStub(v)
			_, _ = rmi.MBeanInfoOf(v)
			_, _ = rmi.CollectionElems(v, 0)
		}
	})
}
