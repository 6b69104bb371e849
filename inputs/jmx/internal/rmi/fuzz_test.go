package rmi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// addReplySeeds seeds f with every captured reply but the huge ones
// (minimizing an input derived from the 200 KB JFR reply takes the whole
// -fuzzminimizetime).
func addReplySeeds(f *testing.F) {
	for _, raw := range rmi.CapturedReplies(f, 32<<10) {
		f.Add(raw)
	}
}

// fuzzLimits are the decoder limits of the fuzz targets that compare two
// decodings of a stream.
var fuzzLimits = javaser.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxStringLen: 64 << 10, MaxArrayLen: 1 << 16, MaxHandles: 1 << 16, MaxSteps: 1 << 16}

// FuzzDecode feeds arbitrary streams to the decoder, seeded with every
// reply of the captured session, and what it decodes to the conversion,
// the stub and MBeanInfo readers and the exporter. It must never panic,
// and must respect the limits.
func FuzzDecode(f *testing.F) {
	addReplySeeds(f)
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

// decodeAll reads up to 4 contents of one stream with dec, as FuzzDecode
// does, and returns them with the error that ended the stream.
func decodeAll(dec *javaser.Decoder, data []byte, br *bufio.Reader) ([]any, string) {
	br.Reset(bytes.NewReader(data))
	dec.Reset()
	if err := dec.ReadHeader(); err != nil {
		return nil, err.Error()
	}
	var out []any
	for range 4 {
		v, err := dec.ReadContent()
		if err != nil {
			return out, err.Error()
		}
		out = append(out, v)
	}
	return out, ""
}

// FuzzWarmDecode: a decoder that has seen a stream (its class caches warm,
// the descriptors' bytes remembered) decodes it again to the same values
// and the same error as it did cold: the caches change the work, never
// the result, even when the remembered bytes are near misses.
func FuzzWarmDecode(f *testing.F) {
	addReplySeeds(f)
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(nil)
		dec := javaser.NewDecoder(br, lim)
		cold, coldErr := decodeAll(dec, data, br)
		warm, warmErr := decodeAll(dec, data, br)
		if coldErr != warmErr {
			t.Fatalf("error cold %q, warm %q", coldErr, warmErr)
		}
		if !sameValues(cold, warm, map[[2]any]bool{}) {
			t.Fatalf("cold %#v, warm %#v", cold, warm)
		}
	})
}

// FuzzArenaDecode: a decoder cutting its objects from an arena decodes a
// stream to the same values and the same error as one without, also
// once the arena was reset and its chunks are reused.
func FuzzArenaDecode(f *testing.F) {
	addReplySeeds(f)
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(nil)
		plain, plainErr := decodeAll(javaser.NewDecoder(br, lim), data, br)
		var a javaser.Arena
		dec := javaser.NewDecoder(br, lim)
		dec.SetArena(&a)
		for pass := range 2 {
			got, gotErr := decodeAll(dec, data, br)
			if gotErr != plainErr {
				t.Fatalf("pass %d: error %q with an arena, %q without", pass, gotErr, plainErr)
			}
			if !sameValues(plain, got, map[[2]any]bool{}) {
				t.Fatalf("pass %d: %#v with an arena, %#v without", pass, got, plain)
			}
			a.Reset()
		}
	})
}

// FuzzObjectNames: a decoder reading ObjectNames as their names
// (SetObjectNames, as QueryNames does), with an arena or without, makes
// the same names of every content of a stream, or the same error, as
// one reading them as Objects; a stream it fails to decode fails without
// (the message may name the type of the value, string or Object, found
// where a class descriptor is due).
func FuzzObjectNames(f *testing.F) {
	named := 0
	for _, raw := range rmi.CapturedReplies(f, 32<<10) {
		f.Add(raw)
		br := bufio.NewReader(nil)
		vals, _ := decodeAll(javaser.NewDecoder(br, javaser.DefaultLimits), raw, br)
		for _, v := range vals {
			if names, err := rmi.NamesOf(v); err == nil && len(names) > 0 {
				named++
			}
		}
	}
	if named == 0 {
		f.Fatal("no captured reply holds ObjectNames")
	}
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(nil)
		plain, plainErr := decodeAll(javaser.NewDecoder(br, lim), data, br)
		var a javaser.Arena
		for _, arena := range []*javaser.Arena{nil, &a} {
			dec := javaser.NewDecoder(br, lim)
			dec.SetArena(arena)
			dec.SetObjectNames(true)
			dec.Reserve(100)
			got, gotErr := decodeAll(dec, data, br)
			if (gotErr == "") != (plainErr == "") || len(got) != len(plain) {
				t.Fatalf("arena %v: %d values, error %q reading names, %d, %q without", arena != nil, len(got), gotErr, len(plain), plainErr)
			}
			for i := range got {
				gn, ge := rmi.NamesOf(got[i])
				pn, pe := rmi.NamesOf(plain[i])
				if !slices.Equal(gn, pn) || fmt.Sprint(ge) != fmt.Sprint(pe) {
					t.Fatalf("value %d: names %q (%v) reading names, %q (%v) without", i, gn, ge, pn, pe)
				}
			}
			a.Reset()
		}
	})
}

// sameValues compares decoded values deeply (a NaN equal to itself). A
// pair of pointers is compared once: graphs share class descriptors and
// objects, and may be cyclic.
func sameValues(a, b []any, seen map[[2]any]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i], b[i], seen) {
			return false
		}
	}
	return true
}

func sameValue(a, b any, seen map[[2]any]bool) bool {
	switch x := a.(type) {
	case *javaser.Object, *javaser.Array, *javaser.Enum, *javaser.ClassDesc, *javaser.Boxed:
		if reflect.TypeOf(a) != reflect.TypeOf(b) {
			return false
		}
		if reflect.ValueOf(a).IsNil() || reflect.ValueOf(b).IsNil() {
			return reflect.ValueOf(a).IsNil() == reflect.ValueOf(b).IsNil()
		}
		k := [2]any{a, b}
		if seen[k] {
			return true
		}
		seen[k] = true
	case float32:
		y, ok := b.(float32)
		return ok && (x == y || x != x && y != y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || x != x && y != y)
	case javaser.Block:
		y, ok := b.(javaser.Block)
		return ok && bytes.Equal(x, y)
	case []float32, []float64, []byte, []bool, []uint16, []int16, []int32, []int64:
		return fmt.Sprint(a) == fmt.Sprint(b)
	default:
		return a == b
	}
	switch x := a.(type) {
	case *javaser.Object:
		y := b.(*javaser.Object)
		if !sameValue(x.Class, y.Class, seen) || len(x.Data) != len(y.Data) {
			return false
		}
		for i := range x.Data {
			if !sameValue(x.Data[i].Class, y.Data[i].Class, seen) ||
				!sameValues(x.Data[i].Values, y.Data[i].Values, seen) || !sameValues(x.Data[i].Custom, y.Data[i].Custom, seen) {
				return false
			}
		}
		return true
	case *javaser.Array:
		y := b.(*javaser.Array)
		return sameValue(x.Class, y.Class, seen) && sameValues(x.Elems, y.Elems, seen) && sameValue(x.Prim, y.Prim, seen)
	case *javaser.Enum:
		y := b.(*javaser.Enum)
		return x.Constant == y.Constant && sameValue(x.Class, y.Class, seen)
	case *javaser.Boxed:
		y := b.(*javaser.Boxed)
		return x.Type == y.Type && x.Bits == y.Bits && sameValue(x.Class, y.Class, seen)
	case *javaser.ClassDesc:
		y := b.(*javaser.ClassDesc)
		return x.Name == y.Name && x.SUID == y.SUID && x.Flags == y.Flags && x.Proxy == y.Proxy &&
			slices.Equal(x.Fields, y.Fields) && slices.Equal(x.Interfaces, y.Interfaces) &&
			sameValues(x.Annotation, y.Annotation, seen) && sameValue(x.Super, y.Super, seen)
	}
	return false
}
