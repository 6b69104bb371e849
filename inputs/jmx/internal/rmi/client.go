package rmi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// Method and interface hashes (hashes/method_hashes.txt, checked against
// OpenJDK 17).
const (
	HashRegistryIface  int64 = 4905912898345647071
	opRegistryLookup         = 2
	HashDGCIface       int64 = -669196253586618813
	opDGCClean               = 0
	opDGCDirty               = 1
	HashNewClient      int64 = -1089742558549201240
	HashQueryNames     int64 = 9152567528369059802
	HashGetMBeanInfo   int64 = -7404813916326233354
	HashGetAttributes  int64 = 6285293806596348999
	HashGetAttribute   int64 = -1089783104982388203
	HashGetDefaultDom  int64 = 6047668923998658472
	HashConnClose      int64 = -4742752445160157748
	hashGetMBeanCount  int64 = -2042362057335820635
	defaultLeaseMillis       = 600000
)

// Options configure a Client.
type Options struct {
	// Host and Port of the RMI registry (jmx_exporter's hostPort).
	Host string
	Port int
	// Name bound in the registry; "jmxrmi" when empty.
	Name string
	// Username and Password are sent as String[] credentials when Username
	// is set.
	Username, Password string
	// OverrideStubHost dials Host (with the stub's port) instead of the
	// host the stub advertises.
	OverrideStubHost bool
	// RegistrySSL puts TLS on the registry connection.
	RegistrySSL bool
	// TLS is used for TLS connections (SSL stubs, SSL registry).
	TLS *tls.Config
	// MaxConns bounds the connections kept open to the RMI server.
	MaxConns int
	// DialTimeout bounds connecting; 0 means 10 s.
	DialTimeout time.Duration
	// Limits for decoding replies; zero means javaser.DefaultLimits.
	Limits javaser.Limits
	// PipelineBytes bounds the bytes of pipelined calls written ahead
	// of their returns (see AttributesPipelined); 0 means 32 KiB.
	PipelineBytes int
	// LeaseRenewed, if set, is called after each DGC lease renewal with
	// its error (nil on success).
	LeaseRenewed func(error)
	// Go starts the lease renewer, which outlives Dial's ctx but keeps its
	// values; the driver passes inputs.Go so that a panic in it reaches the
	// input's manager (this package knows no driver). Nil means a plain go
	// statement.
	Go func(ctx context.Context, fn func())
}

// Client is one JMX RMI connector session: a registry lookup, newClient,
// and an RMIConnection with its DGC lease held.
type Client struct {
	opts    Options
	d       *dialer
	server  RemoteRef
	connRef RemoteRef
	pool    *pool
	vm      vmid
	seq     int64
	seqMu   sync.Mutex
	lease   atomic.Int64 // time.Duration
	stop    chan struct{}
	done    chan struct{}
	// bg is cancelled by Close, so that a renewal in flight never delays it.
	bg       context.Context
	bgCancel context.CancelFunc
	closeMu  sync.Once
	// lastNames is how many names the last queryNames returned.
	lastNames atomic.Int64
}

// Dial connects, looks up the connector server, creates a connection
// (authenticating when credentials are set) and starts renewing its DGC
// lease.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.Name == "" {
		opts.Name = "jmxrmi"
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 4
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.Limits == (javaser.Limits{}) {
		opts.Limits = javaser.DefaultLimits
	}
	c := &Client{
		opts: opts,
		d:    &dialer{tlsConfig: opts.TLS, limits: opts.Limits, timeout: opts.DialTimeout},
		vm:   newVMID(),
		seq:  -9223372036854775808, // DGCClient starts at Long.MIN_VALUE
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	c.bg, c.bgCancel = context.WithCancel(context.Background())
	regEP := endpoint{addr: net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)), tls: opts.RegistrySSL}
	reg := &pool{ep: regEP, d: c.d, max: 1}
	defer reg.closeAll()

	// 1. Registry lookup.
	v, lookupAck, err := reg.do(ctx, registryID, opRegistryLookup, HashRegistryIface, func(e *javaser.Encoder) { e.Str(opts.Name) }, true)
	if err != nil {
		return nil, fmt.Errorf("registry lookup of %q at %s: %w", opts.Name, regEP.addr, err)
	}
	if c.server, err = parseStub(v); err != nil {
		return nil, fmt.Errorf("registry lookup of %q: %w", opts.Name, err)
	}
	c.pool = &pool{ep: c.endpointOf(c.server), d: c.d, max: opts.MaxConns, window: opts.PipelineBytes}

	// 2. DGC dirty for the server object, then ack the lookup's return.
	if _, err := c.dirty(ctx, c.server.ID); err != nil {
		c.pool.closeAll()
		return nil, fmt.Errorf("dgc lease for the connector server at %s: %w", c.pool.ep.addr, err)
	}
	c.ackOn(ctx, reg, lookupAck)

	// 3. newClient(credentials).
	var creds func(*javaser.Encoder)
	if opts.Username != "" {
		user, pass := opts.Username, opts.Password
		creds = func(e *javaser.Encoder) { e.StringArray([]string{user, pass}) }
	} else {
		creds = func(e *javaser.Encoder) { e.Null() }
	}
	v, newAck, err := c.pool.do(ctx, c.server.ID, -1, HashNewClient, creds, true)
	if err != nil {
		c.pool.closeAll()
		var re *javaser.RemoteError
		if errors.As(err, &re) && re.Is(&javaser.RemoteError{Class: "java.lang.SecurityException"}) {
			return nil, fmt.Errorf("%w: %s", mbean.ErrAuth, re.Message)
		}
		return nil, fmt.Errorf("newClient at %s: %w", c.pool.ep.addr, err)
	}
	if c.connRef, err = parseStub(v); err != nil {
		c.pool.closeAll()
		return nil, fmt.Errorf("newClient: %w", err)
	}
	if ep := c.endpointOf(c.connRef); ep != c.pool.ep {
		c.pool.closeAll()
		c.pool = &pool{ep: ep, d: c.d, max: opts.MaxConns, window: opts.PipelineBytes}
	}

	// 4. DGC dirty for the connection, ack, then renew at lease/2.
	lease, err := c.dirty(ctx, c.connRef.ID)
	if err != nil {
		c.pool.closeAll()
		return nil, fmt.Errorf("dgc lease for the connection: %w", err)
	}
	c.ackOn(ctx, c.pool, newAck)
	c.lease.Store(int64(lease))
	if opts.Go != nil {
		opts.Go(ctx, c.renew)
	} else {
		go c.renew()
	}
	return c, nil
}

func (c *Client) endpointOf(r RemoteRef) endpoint {
	host := r.Host
	if c.opts.OverrideStubHost || host == "" {
		host = c.opts.Host
	}
	return endpoint{addr: net.JoinHostPort(host, strconv.Itoa(r.Port)), tls: r.SSL}
}

// Server returns the reference of the RMI server the session uses.
func (c *Client) Server() RemoteRef { return c.server }

// Connection returns the reference of the session's RMIConnection.
func (c *Client) Connection() RemoteRef { return c.connRef }

// Endpoint is the address calls go to.
func (c *Client) Endpoint() string { return c.pool.ep.addr }

// Lease is the DGC lease the server granted.
func (c *Client) Lease() time.Duration { return time.Duration(c.lease.Load()) }

func (c *Client) ackOn(ctx context.Context, p *pool, u UID) {
	cn, err := p.get(ctx)
	if err != nil {
		return
	}
	cn.deadline(ctx)
	p.put(cn, cn.dgcAck(u))
}

// dirty asks the server's DGC for a lease on id and returns its duration.
func (c *Client) dirty(ctx context.Context, id ObjID) (time.Duration, error) {
	c.seqMu.Lock()
	seq := c.seq
	c.seq++
	c.seqMu.Unlock()
	v, ack, err := c.pool.do(ctx, dgcID, opDGCDirty, HashDGCIface, func(e *javaser.Encoder) {
		writeObjIDArray(e, []ObjID{id})
		var b [8]byte
		for i := range 8 {
			b[i] = byte(uint64(seq) >> (56 - 8*i))
		}
		e.Block(b[:])
		writeLease(e, defaultLeaseMillis, c.vm)
	}, true)
	if err != nil {
		return 0, err
	}
	// The lease reply holds no remote references, but acking is harmless
	// and releases the server's copy at once.
	c.ackOn(ctx, c.pool, ack)
	o, ok := v.(*javaser.Object)
	if !ok {
		return 0, fmt.Errorf("dgc dirty returned %T", v)
	}
	lv, _ := o.Field("java.rmi.dgc.Lease", "value")
	ms, ok := lv.(int64)
	if !ok || ms <= 0 {
		return 0, fmt.Errorf("dgc dirty returned lease value %v", lv)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func (c *Client) renew() {
	defer close(c.done)
	lease := c.Lease()
	interval := lease / 2
	for {
		t := time.NewTimer(interval)
		select {
		case <-c.stop:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.bg, min(lease/4, 30*time.Second))
		granted, err := c.dirty(ctx, c.connRef.ID)
		cancel()
		if c.opts.LeaseRenewed != nil {
			c.opts.LeaseRenewed(err)
		}
		if err != nil {
			// Retry sooner; the poller notices a dead session on its own.
			interval = max(lease/8, 500*time.Millisecond)
			continue
		}
		lease = granted
		c.lease.Store(int64(lease))
		interval = lease / 2
	}
}

// Close closes the RMIConnection and the sockets. It is safe to call more
// than once.
func (c *Client) Close(ctx context.Context) error {
	var err error
	c.closeMu.Do(func() {
		close(c.stop)
		c.bgCancel()
		<-c.done
		_, _, err = c.pool.do(ctx, c.connRef.ID, -1, HashConnClose, nil, false)
		c.pool.closeAll()
	})
	return err
}

func (c *Client) invoke(ctx context.Context, hash int64, args func(*javaser.Encoder)) (any, error) {
	v, _, err := c.pool.do(ctx, c.connRef.ID, -1, hash, args, true)
	return v, err
}

// QueryNames returns the names of the registered MBeans matching pattern
// ("" for all), each in its registration key order.
func (c *Client) QueryNames(ctx context.Context, pattern string) ([]string, error) {
	// The names are taken out of the return before this returns: its
	// objects are cut from an arena, reset once they are.
	a := getArena()
	defer putArena(a)
	// The names are read as strings, and the decoder's tables made as
	// large as the last return's at once (a handle for each ObjectName
	// and one for its string).
	o := decodeOpts{arena: a, objectNames: true, reserve: 2*int(c.lastNames.Load()) + 64}
	v, _, err := c.pool.doIn(ctx, o, c.connRef.ID, -1, HashQueryNames, func(e *javaser.Encoder) {
		if pattern == "" {
			e.Null()
		} else {
			e.ObjectName(pattern)
		}
		e.Null() // MarshalledObject query
		e.Null() // Subject
	}, true)
	if err != nil {
		return nil, fmt.Errorf("queryNames(%q): %w", pattern, err)
	}
	names, err := namesOf(v)
	if err != nil {
		return nil, fmt.Errorf("queryNames(%q)%w", pattern, err)
	}
	c.lastNames.Store(int64(len(names)))
	return names, nil
}

// namesOf returns the names in a queryNames return, or an error to follow
// "queryNames(pattern)".
func namesOf(v any) ([]string, error) {
	elems, ok := collectionElems(v, 0)
	if !ok {
		return nil, fmt.Errorf(" returned %s", className(v))
	}
	names := make([]string, 0, len(elems))
	for _, e := range elems {
		n, ok := objectNameOf(e)
		if !ok {
			return nil, fmt.Errorf(": element is %s, not an ObjectName", className(e))
		}
		names = append(names, n)
	}
	return names, nil
}

// AttributeInfo describes one MBean attribute.
type AttributeInfo struct {
	Name        string
	Type        string
	Description string
	Readable    bool
	Writable    bool
	Is          bool
}

// MBeanInfo is the part of javax.management.MBeanInfo the input uses.
type MBeanInfo struct {
	ClassName   string
	Description string
	Attributes  []AttributeInfo
}

// MBeanInfo returns the MBean's metadata.
func (c *Client) MBeanInfo(ctx context.Context, name string) (*MBeanInfo, error) {
	v, err := c.invoke(ctx, HashGetMBeanInfo, func(e *javaser.Encoder) {
		e.ObjectName(name)
		e.Null()
	})
	if err != nil {
		return nil, fmt.Errorf("getMBeanInfo(%s): %w", name, err)
	}
	info, err := mbeanInfoOf(v)
	if err != nil {
		return nil, fmt.Errorf("getMBeanInfo(%s): %w", name, err)
	}
	return info, nil
}

// Attributes reads attributes in one call. The server silently omits the
// ones it cannot read.
func (c *Client) Attributes(ctx context.Context, name string, attrs []string) ([]mbean.Attribute, error) {
	out, _, err := c.AttributesWithDrops(ctx, name, attrs)
	return out, err
}

// AttrDrops counts what one getAttributes reply held that was thrown away.
type AttrDrops struct {
	// Unrequested counts attributes the server returned without being
	// asked for them (or twice).
	Unrequested int
	// Cut counts values replaced by Unsupported because the reply's
	// conversion budget ran out or a number was too long.
	Cut int
}

// AttributesWithDrops is Attributes, also counting what was dropped. Only the
// requested attributes are kept, each once, and all of them are converted
// with one budget: a reply is one untrusted read, whatever it holds.
func (c *Client) AttributesWithDrops(ctx context.Context, name string, attrs []string) ([]mbean.Attribute, AttrDrops, error) {
	var drops AttrDrops
	v, err := c.invoke(ctx, HashGetAttributes, func(e *javaser.Encoder) {
		e.ObjectName(name)
		e.StringArray(attrs)
		e.Null()
	})
	if err != nil {
		return nil, drops, fmt.Errorf("getAttributes(%s): %w", name, err)
	}
	return attributesOf(name, attrs, v)
}

// RunBuffers are the buffers AttributesPipelined makes a run's values in:
// the attributes of all its beans, and the numbers among their values
// (as *mbean.Number, which an interface holds without an allocation of
// its own). The values are valid until Reset, which the caller calls
// once it is done with them, before the buffers' next run.
type RunBuffers struct {
	attrs []mbean.Attribute
	nums  []mbean.Number
}

// maxKeptAttributes bounds the buffers Reset keeps for the next run: a
// run of huge beans must not stay allocated.
const maxKeptAttributes = 4096

// Reset clears the last run's values.
func (b *RunBuffers) Reset() {
	clear(b.attrs)
	clear(b.nums)
	b.attrs, b.nums = b.attrs[:0], b.nums[:0]
	if cap(b.attrs) > maxKeptAttributes {
		b.attrs = nil
	}
	if cap(b.nums) > maxKeptAttributes {
		b.nums = nil
	}
}

// AttributesPipelined reads the attributes of several beans with one
// getAttributes call each, pipelined on one connection (see
// pool.doPipelined): for each bean what AttributesWithDrops returns,
// except that a number is a *mbean.Number. A bean whose error is
// ErrNotRead was not read. The beans' attributes are made in bufs,
// valid until its Reset.
func (c *Client) AttributesPipelined(ctx context.Context, names []string, attrs [][]string, bufs *RunBuffers) ([][]mbean.Attribute, []AttrDrops, []error) {
	// The returns are converted before this returns: their objects are
	// cut from an arena, reset once they are.
	a := getArena()
	defer putArena(a)
	vals, errs := c.pool.doPipelined(ctx, a, c.connRef.ID, HashGetAttributes, len(names), func(e *javaser.Encoder, i int) {
		e.ObjectName(names[i])
		e.StringArray(attrs[i])
		e.Null()
	})
	out := make([][]mbean.Attribute, len(names))
	drops := make([]AttrDrops, len(names))
	n := 0
	for i := range vals {
		if errs[i] == nil {
			n += len(attrs[i])
		}
	}
	buf := slices.Grow(bufs.attrs[:0], n)
	// Room for a number a value: the pointers into nums are taken as
	// they are appended, so it must not grow meanwhile (appendNumber
	// boxes past its capacity).
	nums := slices.Grow(bufs.nums[:0], n)
	for i, v := range vals {
		if errs[i] != nil {
			if !errors.Is(errs[i], ErrNotRead) {
				errs[i] = fmt.Errorf("getAttributes(%s): %w", names[i], errs[i])
			}
			continue
		}
		start := len(buf)
		buf, drops[i], errs[i] = appendAttributes(buf, &nums, names[i], attrs[i], v)
		if errs[i] == nil {
			out[i] = buf[start:len(buf):len(buf)]
		}
		vals[i] = nil // converted: the decoded reply can go
	}
	bufs.attrs, bufs.nums = buf, nums
	return out, drops, errs
}

// arenas are the arenas of pipelined runs (and queryNames), one per run
// in progress: at most a worker's each.
var arenas = sync.Pool{New: func() any { return new(javaser.Arena) }}

func getArena() *javaser.Arena { return arenas.Get().(*javaser.Arena) }

// putArena resets a (the values decoded with it can go) and gives it back.
func putArena(a *javaser.Arena) {
	a.Reset()
	arenas.Put(a)
}

// attributesOf converts the return of getAttributes(name, attrs).
func attributesOf(name string, attrs []string, v any) ([]mbean.Attribute, AttrDrops, error) {
	return appendAttributes(nil, nil, name, attrs, v)
}

// appendAttributes appends what the return of getAttributes(name,
// attrs) holds to dst; when nums is not nil, a value that is a boxed
// number is appended to it and is the pointer to it there (see
// RunBuffers).
func appendAttributes(dst []mbean.Attribute, nums *[]mbean.Number, name string, attrs []string, v any) ([]mbean.Attribute, AttrDrops, error) {
	var drops AttrDrops
	elems, ok := collectionElems(v, 0)
	if !ok {
		return dst, drops, fmt.Errorf("getAttributes(%s) returned %s", name, className(v))
	}
	wanted := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		wanted[a] = true
	}
	cv := newConverter()
	dst = slices.Grow(dst, min(len(elems), len(attrs)))
	for _, e := range elems {
		o, ok := e.(*javaser.Object)
		if !ok || !o.Is("javax.management.Attribute") {
			continue
		}
		n, _ := o.Field("javax.management.Attribute", "name")
		ns, _ := n.(string)
		if !wanted[ns] {
			drops.Unrequested++
			continue
		}
		wanted[ns] = false // once
		val, _ := o.Field("javax.management.Attribute", "value")
		dst = append(dst, mbean.Attribute{Name: ns, Value: cv.convertTop(val, nums)})
	}
	drops.Cut = cv.cut
	return dst, drops, nil
}

// Attribute reads one attribute.
func (c *Client) Attribute(ctx context.Context, name, attr string) (any, error) {
	v, err := c.invoke(ctx, HashGetAttribute, func(e *javaser.Encoder) {
		e.ObjectName(name)
		e.Str(attr)
		e.Null()
	})
	if err != nil {
		return nil, fmt.Errorf("getAttribute(%s, %s): %w", name, attr, err)
	}
	return Convert(v), nil
}

// DefaultDomain is a cheap liveness check (what the JDK client calls every
// 60 s).
func (c *Client) DefaultDomain(ctx context.Context) (string, error) {
	v, err := c.invoke(ctx, HashGetDefaultDom, func(e *javaser.Encoder) { e.Null() })
	if err != nil {
		return "", fmt.Errorf("getDefaultDomain: %w", err)
	}
	s, _ := v.(string)
	return s, nil
}

func mbeanInfoOf(v any) (*MBeanInfo, error) {
	o, ok := v.(*javaser.Object)
	if !ok || !o.Is("javax.management.MBeanInfo") {
		return nil, fmt.Errorf("reply is %s, not an MBeanInfo", className(v))
	}
	info := &MBeanInfo{}
	info.ClassName = fieldOf[string](o, "javax.management.MBeanInfo", "className")
	info.Description = fieldOf[string](o, "javax.management.MBeanInfo", "description")
	av, _ := o.Field("javax.management.MBeanInfo", "attributes")
	arr, ok := av.(*javaser.Array)
	if !ok || arr == nil {
		if mm, ok := o.Field("", "mmbAttributes"); ok {
			arr, _ = mm.(*javaser.Array)
		}
	}
	if arr == nil {
		return info, nil
	}
	for _, e := range arr.Elems {
		ao, ok := e.(*javaser.Object)
		if !ok {
			continue
		}
		var a AttributeInfo
		a.Name = fieldOf[string](ao, "javax.management.MBeanFeatureInfo", "name")
		a.Description = fieldOf[string](ao, "javax.management.MBeanFeatureInfo", "description")
		a.Type = fieldOf[string](ao, "javax.management.MBeanAttributeInfo", "attributeType")
		a.Readable = fieldOf[bool](ao, "javax.management.MBeanAttributeInfo", "isRead")
		a.Writable = fieldOf[bool](ao, "javax.management.MBeanAttributeInfo", "isWrite")
		a.Is = fieldOf[bool](ao, "javax.management.MBeanAttributeInfo", "is")
		info.Attributes = append(info.Attributes, a)
	}
	return info, nil
}

func className(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case *javaser.Object:
		return x.Class.Name
	case *javaser.Array:
		return x.Class.Name
	case *javaser.Boxed:
		return x.Class.Name
	case *javaser.Enum:
		if x.Class != nil {
			return x.Class.Name
		}
		return "enum"
	case string:
		return "java.lang.String"
	case *javaser.ObjectName:
		return "javax.management.ObjectName"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func objectNameOf(v any) (string, bool) {
	if n, ok := v.(*javaser.ObjectName); ok {
		return n.Name, true
	}
	o, ok := v.(*javaser.Object)
	if !ok || o.Class.Name != "javax.management.ObjectName" {
		return "", false
	}
	for _, it := range o.Custom("javax.management.ObjectName") {
		if s, ok := it.(string); ok {
			return s, true
		}
	}
	return "", false
}

// collectionElems returns the elements of a serialized java.util
// collection (ArrayList, HashSet, LinkedList, unmodifiable and singleton
// wrappers, Arrays$ArrayList) or object array.
func collectionElems(v any, depth int) ([]any, bool) {
	if depth > 4 {
		return nil, false
	}
	switch x := v.(type) {
	case *javaser.Array:
		return x.Elems, x.Prim == nil
	case *javaser.ObjectName:
		// What the ObjectName's Object gives (its custom data).
		return []any{x.Name}, true
	case *javaser.Object:
		for _, f := range []string{"c", "list", "a"} {
			if w, ok := x.Field("", f); ok {
				return collectionElems(w, depth+1)
			}
		}
		if x.Class.Name == "java.util.Collections$SingletonList" || x.Class.Name == "java.util.Collections$SingletonSet" {
			w, _ := x.Field("", "element")
			return []any{w}, true
		}
		for i := range x.Data {
			cd := &x.Data[i]
			if cd.Class.Flags&javaser.SCWriteMethod == 0 || len(cd.Custom) == 0 {
				continue
			}
			// The elements usually follow one block (the capacity): they
			// are then returned in place, clipped.
			first, last, n := -1, -1, 0
			for j, it := range cd.Custom {
				if _, ok := it.(javaser.Block); !ok {
					if first < 0 {
						first = j
					}
					last = j
					n++
				}
			}
			if n == 0 {
				return nil, true
			}
			if last-first+1 == n {
				return cd.Custom[first : last+1 : last+1], true
			}
			out := make([]any, 0, n)
			for _, it := range cd.Custom {
				if _, ok := it.(javaser.Block); !ok {
					out = append(out, it)
				}
			}
			return out, true
		}
		if x.Class.Name == "java.util.Collections$EmptyList" || x.Class.Name == "java.util.Collections$EmptySet" {
			return nil, true
		}
	}
	return nil, false
}

// mapEntries returns the key/value pairs of a serialized java.util map
// (HashMap, TreeMap, LinkedHashMap, unmodifiable wrappers).
func mapEntries(v any, depth int) ([][2]any, bool) {
	if depth > 4 {
		return nil, false
	}
	o, ok := v.(*javaser.Object)
	if !ok {
		return nil, false
	}
	if w, ok := o.Field("", "m"); ok {
		return mapEntries(w, depth+1)
	}
	for i := range o.Data {
		cd := &o.Data[i]
		if cd.Class.Flags&javaser.SCWriteMethod == 0 {
			continue
		}
		var items []any
		for _, it := range cd.Custom {
			if _, ok := it.(javaser.Block); !ok {
				items = append(items, it)
			}
		}
		if len(items)%2 != 0 {
			return nil, false
		}
		out := make([][2]any, 0, len(items)/2)
		for j := 0; j < len(items); j += 2 {
			out = append(out, [2]any{items[j], items[j+1]})
		}
		return out, true
	}
	if o.Class.Name == "java.util.Collections$EmptyMap" {
		return nil, true
	}
	return nil, false
}
