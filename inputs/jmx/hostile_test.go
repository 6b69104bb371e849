package jmx

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// A hostile JMX server written in Go: it speaks enough JRMP and Java
// serialization for a Client to connect and poll, and answers
// getAttributes with whatever a test or the fuzzer builds. The decoder's
// budgets are checked against it the way an attacker would meet them.

// wire writes a serialization stream, numbering handles as the decoder
// does, and writes each class descriptor once (then references it).
type wire struct {
	b       []byte
	handles int
	classes map[string]int
}

func (w *wire) u8(v byte)    { w.b = append(w.b, v) }
func (w *wire) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *wire) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *wire) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *wire) utf(s string) { w.u16(uint16(len(s))); w.b = append(w.b, s...) }

func (w *wire) handle() int { w.handles++; return w.handles - 1 }

func (w *wire) ref(h int) { w.u8(javaser.TCReference); w.u32(uint32(javaser.BaseWireHandle + h)) }

// str writes a new String and returns its handle.
func (w *wire) str(s string) int {
	w.u8(javaser.TCString)
	w.utf(s)
	return w.handle()
}

func (w *wire) null() { w.u8(javaser.TCNull) }

type wclass struct {
	flags  byte
	fields []wfield
	super  string
}

type wfield struct {
	typ         byte
	name, class string
}

// wireClasses are the classes the hostile server writes, with the fields
// the client reads (a real JVM writes more; the client ignores them).
var wireClasses = map[string]wclass{
	"javax.management.remote.rmi.RMIServerImpl_Stub":     {flags: javaser.SCSerializable, super: "java.rmi.server.RemoteStub"},
	"javax.management.remote.rmi.RMIConnectionImpl_Stub": {flags: javaser.SCSerializable, super: "java.rmi.server.RemoteStub"},
	"java.rmi.server.RemoteStub":                         {flags: javaser.SCSerializable, super: "java.rmi.server.RemoteObject"},
	"java.rmi.server.RemoteObject":                       {flags: javaser.SCSerializable | javaser.SCWriteMethod},
	"java.rmi.dgc.Lease": {flags: javaser.SCSerializable, fields: []wfield{
		{'J', "value", ""}, {'L', "vmid", "Ljava/rmi/dgc/VMID;"}}},
	"[Ljava.lang.Object;":         {flags: javaser.SCSerializable},
	"javax.management.ObjectName": {flags: javaser.SCSerializable | javaser.SCWriteMethod},
	"javax.management.MBeanInfo": {flags: javaser.SCSerializable, fields: []wfield{
		{'[', "attributes", "[Ljavax/management/MBeanAttributeInfo;"},
		{'L', "className", "Ljava/lang/String;"}, {'L', "description", "Ljava/lang/String;"}}},
	"[Ljavax.management.MBeanAttributeInfo;": {flags: javaser.SCSerializable},
	"javax.management.MBeanFeatureInfo": {flags: javaser.SCSerializable, fields: []wfield{
		{'L', "description", "Ljava/lang/String;"}, {'L', "name", "Ljava/lang/String;"}}},
	"javax.management.MBeanAttributeInfo": {flags: javaser.SCSerializable, super: "javax.management.MBeanFeatureInfo", fields: []wfield{
		{'Z', "is", ""}, {'Z', "isRead", ""}, {'Z', "isWrite", ""}, {'L', "attributeType", "Ljava/lang/String;"}}},
	"javax.management.Attribute": {flags: javaser.SCSerializable, fields: []wfield{
		{'L', "name", "Ljava/lang/String;"}, {'L', "value", "Ljava/lang/Object;"}}},
	"java.lang.Number": {flags: javaser.SCSerializable},
	"java.lang.Long":   {flags: javaser.SCSerializable, super: "java.lang.Number", fields: []wfield{{'J', "value", ""}}},
	"java.math.BigInteger": {flags: javaser.SCSerializable, super: "java.lang.Number", fields: []wfield{
		{'I', "signum", ""}, {'[', "magnitude", "[B"}}},
	"java.math.BigDecimal": {flags: javaser.SCSerializable, super: "java.lang.Number", fields: []wfield{
		{'I', "scale", ""}, {'L', "intVal", "Ljava/math/BigInteger;"}}},
	"[B":                {flags: javaser.SCSerializable},
	"java.util.HashMap": {flags: javaser.SCSerializable | javaser.SCWriteMethod},
	"javax.management.openmbean.OpenType": {flags: javaser.SCSerializable, fields: []wfield{
		{'L', "className", "Ljava/lang/String;"}, {'L', "description", "Ljava/lang/String;"}, {'L', "typeName", "Ljava/lang/String;"}}},
	"javax.management.openmbean.CompositeType": {flags: javaser.SCSerializable, super: "javax.management.openmbean.OpenType", fields: []wfield{
		{'L', "nameToType", "Ljava/util/TreeMap;"}}},
	"javax.management.openmbean.TabularType": {flags: javaser.SCSerializable, super: "javax.management.openmbean.OpenType", fields: []wfield{
		{'L', "indexNames", "Ljava/util/List;"}, {'L', "rowType", "Ljavax/management/openmbean/CompositeType;"}}},
	"javax.management.openmbean.CompositeDataSupport": {flags: javaser.SCSerializable, fields: []wfield{
		{'L', "compositeType", "Ljavax/management/openmbean/CompositeType;"}, {'L', "contents", "Ljava/util/SortedMap;"}}},
	"javax.management.openmbean.TabularDataSupport": {flags: javaser.SCSerializable, fields: []wfield{
		{'L', "dataMap", "Ljava/util/Map;"}, {'L', "tabularType", "Ljavax/management/openmbean/TabularType;"}}},
}

// class writes the descriptor of a class of wireClasses (or of extra),
// its superclasses included, or a reference to it.
func (w *wire) class(name string, extra map[string]wclass) {
	if h, ok := w.classes[name]; ok {
		w.ref(h)
		return
	}
	c, ok := extra[name]
	if !ok {
		if c, ok = wireClasses[name]; !ok {
			panic("unknown class " + name)
		}
	}
	w.u8(javaser.TCClassDesc)
	w.utf(name)
	w.u64(1)
	h := w.handle()
	if w.classes == nil {
		w.classes = map[string]int{}
	}
	w.classes[name] = h
	w.u8(c.flags)
	w.u16(uint16(len(c.fields)))
	for _, f := range c.fields {
		w.u8(f.typ)
		w.utf(f.name)
		if f.typ == 'L' || f.typ == '[' {
			w.str(f.class)
		}
	}
	w.u8(javaser.TCEndBlockData)
	if c.super == "" {
		w.null()
	} else {
		w.class(c.super, extra)
	}
}

// object starts a new object of class name; the caller writes its data.
func (w *wire) object(name string) int {
	w.u8(javaser.TCObject)
	w.class(name, nil)
	return w.handle()
}

// array starts an array of class name with n elements.
func (w *wire) array(name string, n int) int {
	w.u8(javaser.TCArray)
	w.class(name, nil)
	h := w.handle()
	w.u32(uint32(n))
	return h
}

func (w *wire) block(p []byte) {
	for len(p) > 0 {
		n := min(len(p), 255)
		w.u8(javaser.TCBlockData)
		w.u8(byte(n))
		w.b = append(w.b, p[:n]...)
		p = p[n:]
	}
}

func (w *wire) long(v int64) int {
	h := w.object("java.lang.Long")
	w.u64(uint64(v))
	return h
}

func (w *wire) objectName(name string) {
	w.object("javax.management.ObjectName")
	w.str(name)
	w.u8(javaser.TCEndBlockData)
}

// stub writes an RMI stub of class name for 127.0.0.1:port.
func (w *wire) stub(name string, port int, objNum int64) {
	w.object(name)
	var e javaser.Encoder
	e.UTF("UnicastRef")
	e.UTF("127.0.0.1")
	e.U32(uint32(port))
	e.U64(uint64(objNum))
	e.U32(1)
	e.U64(2)
	e.U16(3)
	e.U8(0)
	w.block(e.B)
	w.u8(javaser.TCEndBlockData)
}

// attribute writes a javax.management.Attribute whose value value writes.
func (w *wire) attribute(name string, value func()) {
	w.object("javax.management.Attribute")
	w.str(name)
	value()
}

// hostileServer is a JMX RMI server: one bean, hostileBean, with the
// attributes attrs, whose getAttributes reply reply builds.
type hostileServer struct {
	ln    net.Listener
	port  int
	attrs []string
	reply func(w *wire)
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	// hangUp closes the connection after a getAttributes reply, so that a
	// truncated reply ends in EOF instead of a wait for the timeout.
	hangUp bool
}

const hostileBean = "evil:type=Bean"

func startHostile(t testing.TB, attrs []string, reply func(w *wire)) *hostileServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hostileServer{ln: ln, port: ln.Addr().(*net.TCPAddr).Port, attrs: attrs, reply: reply}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				_ = s.serve(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// serve answers one JRMP connection until it closes.
func (s *hostileServer) serve(c net.Conn) error {
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	var hs [7]byte
	if _, err := io.ReadFull(br, hs[:]); err != nil {
		return err
	}
	var e javaser.Encoder
	e.U8(rmi.JRMPProtocolAck)
	e.UTF("127.0.0.1")
	e.U32(uint32(s.port))
	if _, err := c.Write(e.B); err != nil {
		return err
	}
	var n [2]byte
	if _, err := io.ReadFull(br, n[:]); err != nil {
		return err
	}
	if _, err := io.CopyN(io.Discard, br, int64(binary.BigEndian.Uint16(n[:]))+4); err != nil {
		return err
	}
	dec := javaser.NewDecoder(br, javaser.DefaultLimits)
	var lastHash int64
	for {
		op, err := br.ReadByte()
		if err != nil {
			return err
		}
		switch op {
		case rmi.JRMPPing:
			if err := bw.WriteByte(rmi.JRMPPingAck); err != nil {
				return err
			}
		case rmi.JRMPDGCAck:
			if _, err := io.CopyN(io.Discard, br, 14); err != nil {
				return err
			}
			continue
		case rmi.JRMPCall:
			dec.Reset()
			if err := dec.ReadHeader(); err != nil {
				return err
			}
			hdr, err := dec.ReadBlock()
			if err != nil || len(hdr) < 34 {
				return errors.New("bad call header")
			}
			hash := int64(binary.BigEndian.Uint64(hdr[26:34]))
			lastHash = hash
			nargs := map[int64]int{rmi.HashRegistryIface: 1, rmi.HashDGCIface: 3, rmi.HashNewClient: 1,
				rmi.HashQueryNames: 3, rmi.HashGetMBeanInfo: 2, rmi.HashGetAttributes: 3, rmi.HashGetAttribute: 3,
				rmi.HashGetDefaultDom: 1, rmi.HashConnClose: 0}[hash]
			for range nargs {
				if _, err := dec.ReadContent(); err != nil {
					return err
				}
			}
			w := &wire{}
			s.answer(w, hash)
			var r javaser.Encoder
			r.U8(rmi.JRMPReturn)
			r.Header()
			r.Block(append([]byte{rmi.JRMPNormalReturn}, make([]byte, 14)...))
			if _, err := bw.Write(r.B); err != nil {
				return err
			}
			if _, err := bw.Write(w.b); err != nil {
				return err
			}
		default:
			return errors.New("unknown message")
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if s.hangUp && lastHash == rmi.HashGetAttributes {
			return nil
		}
	}
}

func (s *hostileServer) answer(w *wire, hash int64) {
	switch hash {
	case rmi.HashRegistryIface:
		w.stub("javax.management.remote.rmi.RMIServerImpl_Stub", s.port, 7)
	case rmi.HashNewClient:
		w.stub("javax.management.remote.rmi.RMIConnectionImpl_Stub", s.port, 8)
	case rmi.HashDGCIface:
		w.object("java.rmi.dgc.Lease")
		w.u64(600000)
		w.null()
	case rmi.HashQueryNames:
		w.array("[Ljava.lang.Object;", 1)
		w.objectName(hostileBean)
	case rmi.HashGetMBeanInfo:
		w.object("javax.management.MBeanInfo")
		w.array("[Ljavax.management.MBeanAttributeInfo;", len(s.attrs))
		for _, a := range s.attrs {
			w.object("javax.management.MBeanAttributeInfo")
			w.null() // description
			w.str(a)
			w.u8(0)
			w.u8(1)
			w.u8(0)
			w.str("java.lang.Object")
		}
		w.str("Evil")
		w.null()
	case rmi.HashGetAttributes, rmi.HashGetAttribute:
		s.reply(w)
	case rmi.HashGetDefaultDom:
		w.str("DefaultDomain")
	}
}

// usage is what one piece of work cost: CPU of the process and bytes
// allocated (an upper bound of the heap it grew by).
type usage struct {
	cpu   time.Duration
	alloc uint64
}

func measure(f func()) usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	a0 := ms.TotalAlloc
	c0 := cpuTime()
	f()
	runtime.ReadMemStats(&ms)
	return usage{cpu: cpuTime() - c0, alloc: ms.TotalAlloc - a0}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pollHostile runs the JMX driver against s for one successful poll (or
// one failed one) and returns the driver.
func pollHostile(t *testing.T, s *hostileServer) (*Driver, *prometheus.Registry, replaceCall) {
	t.Helper()
	cfg := DefaultConfig
	cfg.HostPort = "127.0.0.1:" + strconv.Itoa(s.port)
	cfg.Interval = time.Hour
	cfg.Timeout = 60 * time.Second
	reg := prometheus.NewRegistry()
	drv, err := New(inputs.Settings{Name: "evil", Registerer: reg}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := newFakeAppender()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- drv.Run(ctx, app) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c := app.next(t, "a poll", 60*time.Second, func(replaceCall) bool { return true })
	return drv, reg, c
}

// deepClasses returns a chain of n empty serializable classes.
func deepClasses(n int) map[string]wclass {
	m := map[string]wclass{}
	for i := range n {
		c := wclass{flags: javaser.SCSerializable}
		if i+1 < n {
			c.super = "deep.C" + strconv.Itoa(i+1)
		}
		m["deep.C"+strconv.Itoa(i)] = c
	}
	return m
}

// sharedTable writes a TabularData of rows rows that all are one
// composite (a reference each).
func sharedTable(w *wire, rows int) int {
	table := w.object("javax.management.openmbean.TabularDataSupport")
	// dataMap
	w.object("java.util.HashMap")
	w.block([]byte{0, 0, 0, 16, 0, 0, 0, 1})
	key := -1
	row := -1
	for range rows {
		if key < 0 {
			key = w.str("k")
		} else {
			w.ref(key)
		}
		if row >= 0 {
			w.ref(row)
			continue
		}
		row = w.object("javax.management.openmbean.CompositeDataSupport")
		compositeType(w)
		w.object("java.util.HashMap")
		w.block([]byte{0, 0, 0, 16, 0, 0, 0, 2})
		w.str("name")
		w.str("row")
		w.str("value")
		w.long(42)
		w.u8(javaser.TCEndBlockData)
	}
	w.u8(javaser.TCEndBlockData)
	// tabularType
	w.object("javax.management.openmbean.TabularType")
	w.str("javax.management.openmbean.TabularData")
	w.str("table")
	w.str("table")
	w.array("[Ljava.lang.Object;", 1)
	w.str("name")
	compositeType(w)
	return table
}

func compositeType(w *wire) {
	if h, ok := w.classes["#rowType"]; ok {
		w.ref(h)
		return
	}
	h := w.object("javax.management.openmbean.CompositeType")
	w.classes["#rowType"] = h
	w.str("javax.management.openmbean.CompositeData")
	w.str("row")
	w.str("row")
	w.object("java.util.HashMap")
	w.block([]byte{0, 0, 0, 16, 0, 0, 0, 2})
	w.str("name")
	w.null()
	w.str("value")
	w.null()
	w.u8(javaser.TCEndBlockData)
}

// bigInteger writes a BigInteger of a magnitude of n bytes.
func bigInteger(w *wire, n int) int {
	h := w.object("java.math.BigInteger")
	w.u32(1)
	w.array("[B", n)
	for i := range n {
		w.u8(byte(i*7 + 1))
	}
	return h
}

// TestHostileServer replays the attacks of issue 17 from a hostile JMX
// server: each is bounded in CPU and allocation, and counted.
func TestHostileServer(t *testing.T) {
	attrs8 := []string{"A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7"}
	tests := []struct {
		name  string
		attrs []string
		reply func(w *wire)
		// reasons are the rosetta_input_dropped_total reasons that must count.
		reasons []string
		// maxRecords bounds the records the poll may emit.
		maxRecords int
		maxAlloc   uint64
		maxCPU     time.Duration
	}{{
		// 50,000 six-byte objects of a class 58 deep (about 300 KB; defined
		// where the nesting limit lets it be).
		name:  "class chain depth",
		attrs: []string{"A"},
		reply: func(w *wire) {
			deep := deepClasses(58)
			w.array("[Ljava.lang.Object;", 1)
			w.attribute("A", func() {
				w.array("[Ljava.lang.Object;", 50000)
				for range 50000 {
					w.u8(javaser.TCObject)
					w.class("deep.C0", deep)
					w.handle()
				}
			})
		},
		reasons:  []string{"reply_limit"},
		maxAlloc: 64 << 20,
		maxCPU:   2 * time.Second,
	}, {
		// Eight attributes (plus eight nobody asked for) sharing one
		// 60,000-row table.
		name:  "attributes sharing a table",
		attrs: attrs8,
		reply: func(w *wire) {
			w.array("[Ljava.lang.Object;", 16)
			table := -1
			for i := range 16 {
				w.attribute("A"+strconv.Itoa(i), func() {
					if table >= 0 {
						w.ref(table)
					} else {
						table = sharedTable(w, 60000)
					}
				})
			}
		},
		reasons:    []string{"attribute_too_large", "attribute_unrequested"},
		maxRecords: MaxRecordsPerBean,
		maxAlloc:   256 << 20,
		maxCPU:     5 * time.Second,
	}, {
		// A 1 MiB BigInteger referenced by eight attributes and by eight
		// BigDecimals.
		name:  "big integer per reference",
		attrs: attrs8,
		reply: func(w *wire) {
			w.array("[Ljava.lang.Object;", 8)
			big := -1
			for i := range 8 {
				w.attribute("A"+strconv.Itoa(i), func() {
					if i%2 == 1 {
						w.object("java.math.BigDecimal")
						w.u32(2)
					}
					if big < 0 {
						big = bigInteger(w, 1<<20)
					} else {
						w.ref(big)
					}
				})
			}
		},
		reasons:  []string{"value_too_large"},
		maxAlloc: 32 << 20,
		maxCPU:   2 * time.Second,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startHostile(t, tc.attrs, tc.reply)
			var (
				drv *Driver
				reg *prometheus.Registry
				c   replaceCall
			)
			u := measure(func() { drv, reg, c = pollHostile(t, s) })
			t.Logf("%d records, %.1f MiB allocated, %v CPU", c.n, float64(u.alloc)/(1<<20), u.cpu)
			if u.alloc > tc.maxAlloc {
				t.Errorf("allocated %.1f MiB, want at most %.1f", float64(u.alloc)/(1<<20), float64(tc.maxAlloc)/(1<<20))
			}
			if u.cpu > tc.maxCPU {
				t.Errorf("%v of CPU, want at most %v", u.cpu, tc.maxCPU)
			}
			if tc.maxRecords > 0 && c.n > tc.maxRecords {
				t.Errorf("%d records, want at most %d", c.n, tc.maxRecords)
			}
			for _, r := range tc.reasons {
				if n := rtestutil.Counter(t, reg, "rosetta_input_dropped_total", map[string]string{"reason": r}); n < 1 {
					t.Errorf("rosetta_input_dropped_total{reason=%q} = %v", r, n)
				}
			}
			if v := testutil.ToFloat64(drv.m.Up.WithLabelValues("127.0.0.1:" + strconv.Itoa(s.port))); v != 1 {
				t.Errorf("up = %v: the poll failed as a whole", v)
			}
		})
	}
}

// gen turns fuzz input into choices.
type gen struct {
	p    []byte
	objs []int // handles of finished objects, for references
}

func (g *gen) byte() byte {
	if len(g.p) == 0 {
		return 0
	}
	b := g.p[0]
	g.p = g.p[1:]
	return b
}

func (g *gen) u16() int { return int(g.byte())<<8 | int(g.byte()) }

var fuzzDeep = deepClasses(56)

// value writes one value the fuzz input chooses: the shapes the attacks
// use (references, deep classes, shared tables, long numbers, big
// arrays), nested.
func (g *gen) value(w *wire, depth int) {
	if depth > 6 {
		w.null()
		return
	}
	switch g.byte() % 10 {
	case 0:
		w.null()
	case 1:
		g.objs = append(g.objs, w.str(string(make([]byte, g.u16()%4096))))
	case 2:
		if len(g.objs) == 0 {
			w.null()
			return
		}
		w.ref(g.objs[int(g.byte())%len(g.objs)])
	case 3:
		g.objs = append(g.objs, w.long(int64(g.u16())))
	case 4:
		w.u8(javaser.TCObject)
		w.class("deep.C"+strconv.Itoa(int(g.byte())%56), fuzzDeep)
		g.objs = append(g.objs, w.handle())
	case 5:
		g.objs = append(g.objs, bigInteger(w, g.u16()*16))
	case 6:
		h := w.object("java.math.BigDecimal")
		w.u32(uint32(g.u16()) << 16)
		g.value(w, depth+1)
		g.objs = append(g.objs, h)
	case 7:
		n := g.u16() % 20000
		h := w.array("[Ljava.lang.Object;", n)
		for range n {
			g.value(w, depth+1)
		}
		g.objs = append(g.objs, h)
	case 8:
		g.objs = append(g.objs, sharedTable(w, g.u16()*2))
	case 9:
		// A raw byte where a value belongs: the decoder must reject it.
		w.u8(g.byte())
	}
}

// FuzzHostileServer is a structure-aware fuzzer: the input chooses the
// shape of a getAttributes reply (attributes asked for or not, shared
// values, deep classes, long numbers, tables, bad bytes) that a fake RMI
// server sends to a real Client. Whatever the reply, the call returns in
// bounded time and allocation, and the poll's records stay within budget.
func FuzzHostileServer(f *testing.F) {
	f.Add([]byte{3, 7, 0, 3, 2, 0})
	f.Add([]byte{2, 8, 0xEA, 0x60, 2, 0})
	f.Add([]byte{8, 5, 0xFF, 0xFF, 2, 0, 2, 0, 2, 0})
	f.Add([]byte{1, 7, 0x4E, 0x20, 4, 55})
	f.Add([]byte{1, 6, 0x7F, 0xFF, 5, 0x10, 0})
	var (
		mu    sync.Mutex
		input []byte
	)
	s := startHostile(f, []string{"A0", "A1", "A2", "A3"}, func(w *wire) {
		mu.Lock()
		g := &gen{p: input}
		mu.Unlock()
		n := int(g.byte() % 12)
		w.array("[Ljava.lang.Object;", n)
		for i := range n {
			w.attribute("A"+strconv.Itoa(int(g.byte())%8), func() { g.value(w, 0) })
			_ = i
		}
	})
	s.hangUp = true
	f.Fuzz(func(t *testing.T, data []byte) {
		mu.Lock()
		input = data
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		client, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: s.port})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
			defer ccancel()
			_ = client.Close(cctx)
		}()
		var recs int
		start := time.Now()
		u := measure(func() {
			attrs, _, err := client.AttributesWithDrops(ctx, hostileBean, []string{"A0", "A1", "A2", "A3"})
			if err != nil {
				if !errors.Is(err, javaser.ErrLimit) && ctx.Err() == nil && !isDecodeError(err) {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var x Exporter
			b, _ := mbean.ParseBeanName(hostileBean)
			recs = len(x.Bean(nil, &b, nil, attrs))
		})
		if el := time.Since(start); el > 10*time.Second {
			t.Fatalf("one reply took %v", el)
		}
		if recs > MaxRecordsPerBean {
			t.Fatalf("%d records", recs)
		}
		if u.alloc > 512<<20 {
			t.Fatalf("one reply allocated %.0f MiB", float64(u.alloc)/(1<<20))
		}
	})
}

// isDecodeError reports errors of a malformed reply (as opposed to a
// broken transport or client).
func isDecodeError(err error) bool {
	var ne net.Error
	return !errors.As(err, &ne)
}
