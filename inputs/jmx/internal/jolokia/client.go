package jolokia

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// Options configure a Jolokia client.
type Options struct {
	// URL of the agent, e.g. http://127.0.0.1:8778/jolokia/.
	URL                string
	Username, Password string
	TLS                *tls.Config
	// MaxReplyBytes bounds one HTTP response.
	MaxReplyBytes int64
	// Batch is how many read requests go in one bulk POST.
	Batch int
}

// Client reads MBeans over Jolokia's HTTP/JSON protocol and
// converts the values to the same model as the RMI client, so that the
// same bean strings come out.
type Client struct {
	opts Options
	hc   *http.Client
}

// NewClient returns a client; it does not connect.
func NewClient(opts Options) *Client {
	if opts.MaxReplyBytes <= 0 {
		opts.MaxReplyBytes = javaser.DefaultLimits.MaxBytes
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = opts.TLS
	return &Client{opts: opts, hc: &http.Client{Transport: tr}}
}

type response struct {
	Status int             `json:"status"`
	Value  json.RawMessage `json:"value"`
	Error  string          `json:"error"`
	// ErrorType is the Java exception class.
	ErrorType string `json:"error_type"`
}

// post sends a bulk request and returns one response per request.
func (c *Client) post(ctx context.Context, reqs []map[string]any) ([]response, error) {
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	u := c.opts.URL
	if strings.Contains(u, "?") {
		u += "&"
	} else {
		u += "?"
	}
	// canonicalNaming=false keeps the registration key order;
	// ignoreErrors reports a failing attribute instead of failing the bean.
	u += "canonicalNaming=false&ignoreErrors=true"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.Username != "" {
		req.SetBasicAuth(c.opts.Username, c.opts.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, fmt.Errorf("%w: jolokia answered %s", mbean.ErrAuth, resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jolokia answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxReplyBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.opts.MaxReplyBytes {
		return nil, fmt.Errorf("%w: jolokia reply longer than %d bytes", javaser.ErrLimit, c.opts.MaxReplyBytes)
	}
	var out []response
	if err := json.Unmarshal(data, &out); err != nil {
		var one response
		if json.Unmarshal(data, &one) == nil && one.Status != 0 {
			return nil, fmt.Errorf("jolokia error %d: %s", one.Status, one.Error)
		}
		return nil, fmt.Errorf("decoding jolokia reply: %w", err)
	}
	if len(out) != len(reqs) {
		return nil, fmt.Errorf("jolokia answered %d of %d requests", len(out), len(reqs))
	}
	return out, nil
}

// Search returns the names matching pattern ("" for all), in
// registration key order.
func (c *Client) Search(ctx context.Context, pattern string) ([]string, error) {
	if pattern == "" {
		pattern = "*:*"
	}
	rs, err := c.post(ctx, []map[string]any{{"type": "search", "mbean": pattern}})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", pattern, err)
	}
	if rs[0].Status != http.StatusOK {
		return nil, fmt.Errorf("search %q: %s", pattern, rs[0].Error)
	}
	var names []string
	if err := json.Unmarshal(rs[0].Value, &names); err != nil {
		return nil, fmt.Errorf("search %q: %w", pattern, err)
	}
	return names, nil
}

// Attr is an attribute's metadata in a Jolokia list reply.
type Attr struct {
	Type string `json:"type"`
	Desc string `json:"desc"`
}

// List returns the attribute metadata of the beans of domain, keyed by
// key property list (registration order) and attribute name.
func (c *Client) List(ctx context.Context, domain string) (map[string]map[string]Attr, error) {
	path := strings.ReplaceAll(domain, "!", "!!")
	path = strings.ReplaceAll(path, "/", "!/")
	rs, err := c.post(ctx, []map[string]any{{"type": "list", "path": path}})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", domain, err)
	}
	if rs[0].Status != http.StatusOK {
		return nil, fmt.Errorf("list %q: %s", domain, rs[0].Error)
	}
	var raw map[string]struct {
		Attr map[string]Attr `json:"attr"`
	}
	if err := json.Unmarshal(rs[0].Value, &raw); err != nil {
		return nil, fmt.Errorf("list %q: %w", domain, err)
	}
	out := make(map[string]map[string]Attr, len(raw))
	for k, v := range raw {
		out[k] = v.Attr
	}
	return out, nil
}

// Bean is one bean to read: its name and the attributes to read, with
// their metadata from List.
type Bean struct {
	Name  mbean.BeanName
	Attrs map[string]Attr
}

// pathTypes are read through one property: an atomic's "plain" (serializing
// the whole object would call getAndIncrement and friends), a Date's
// "time" (the ISO form drops the milliseconds).
var pathTypes = map[string]string{
	"java.util.concurrent.atomic.AtomicLong":    "plain",
	"java.util.concurrent.atomic.AtomicInteger": "plain",
	"java.util.Date": "time",
}

// Read reads all attributes of the beans, in bulk requests, and returns
// them per bean (converted like the RMI client's values). Attributes that
// fail are skipped and counted.
func (c *Client) Read(ctx context.Context, beans []*Bean) ([][]mbean.Attribute, int, error) {
	type ref struct {
		bean int
		attr string // "" for a whole-bean read
	}
	var reqs []map[string]any
	var refs []ref
	for i, b := range beans {
		reqs = append(reqs, map[string]any{"type": "read", "mbean": b.Name.Name})
		refs = append(refs, ref{bean: i})
		for a, info := range b.Attrs {
			if p, ok := pathTypes[info.Type]; ok {
				reqs = append(reqs, map[string]any{"type": "read", "mbean": b.Name.Name, "attribute": a, "path": p})
				refs = append(refs, ref{bean: i, attr: a})
			}
		}
	}
	out := make([][]mbean.Attribute, len(beans))
	failed := 0
	for start := 0; start < len(reqs); start += c.opts.Batch {
		end := min(start+c.opts.Batch, len(reqs))
		rs, err := c.post(ctx, reqs[start:end])
		if err != nil {
			return nil, 0, err
		}
		for k, r := range rs {
			rf := refs[start+k]
			b := beans[rf.bean]
			if r.Status != http.StatusOK {
				failed++
				continue
			}
			if rf.attr != "" {
				v, err := decodeJSON(r.Value)
				if err != nil {
					failed++
					continue
				}
				val := jolokiaValue("long", v)
				if n, ok := val.(mbean.Number); ok && b.Attrs[rf.attr].Type == "java.util.Date" {
					val = mbean.Date{Millis: int64(n.Float)}
				}
				if val != nil {
					out[rf.bean] = append(out[rf.bean], mbean.Attribute{Name: rf.attr, Value: val})
				}
				continue
			}
			var vals map[string]json.RawMessage
			if err := json.Unmarshal(r.Value, &vals); err != nil {
				failed++
				continue
			}
			names := make([]string, 0, len(vals))
			for a := range vals {
				names = append(names, a)
			}
			sort.Strings(names)
			for _, a := range names {
				info := b.Attrs[a]
				if _, ok := pathTypes[info.Type]; ok {
					continue
				}
				v, err := decodeJSON(vals[a])
				if err != nil {
					failed++
					continue
				}
				if s, ok := v.(string); ok && strings.HasPrefix(s, "ERROR: ") && info.Type != "java.lang.String" {
					failed++
					continue
				}
				out[rf.bean] = append(out[rf.bean], mbean.Attribute{Name: a, Value: jolokiaValue(info.Type, v)})
			}
		}
	}
	return out, failed, nil
}

func decodeJSON(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// jolokiaValue converts a JSON value of the declared Java type into the
// value model. Jolokia's JSON has no Java types: the declared type and
// the shape decide.
func jolokiaValue(typ string, v any) any {
	switch typ {
	case "java.util.Date":
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return mbean.Date{Millis: t.UnixMilli()}
			}
		}
		return nil
	case "java.math.BigDecimal", "java.util.concurrent.atomic.LongAdder", "java.util.concurrent.atomic.DoubleAdder":
		if s, ok := v.(string); ok {
			return numberFromText(typ, s)
		}
	case "java.math.BigInteger":
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["bigint"].(string); ok {
				return numberFromText(typ, s)
			}
		}
	case "javax.management.openmbean.TabularData":
		if m, ok := v.(map[string]any); ok {
			return jolokiaTabular(m)
		}
	}
	if strings.HasPrefix(typ, "[") {
		return mbean.ArrayValue{Class: typ}
	}
	switch x := v.(type) {
	case nil:
		// A primitive is never null: json-simple writes NaN and the
		// infinities as null. NaN is the likely one.
		if typ == "double" || typ == "float" {
			return mbean.Number{Class: typ, Float: nan, Text: "NaN"}
		}
		return nil
	case map[string]any:
		// Only open types are composites; Jolokia serializes any other
		// object as a bean of its getters, which jmx_exporter ignores.
		if typ != "javax.management.openmbean.CompositeData" && typ != "javax.management.openmbean.CompositeDataSupport" {
			return mbean.Unsupported{Class: typ}
		}
	case json.Number:
		if typ == "float" || typ == "java.lang.Float" {
			// Number.doubleValue() of a float: widen the float32.
			f, err := strconv.ParseFloat(x.String(), 32)
			if err != nil {
				return mbean.Unsupported{Class: typ}
			}
			return mbean.Number{Class: typ, Float: float64(float32(f)), Text: x.String()}
		}
	}
	return jsonToValue(v, 0)
}

func numberFromText(class, s string) any {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return mbean.Unsupported{Class: class}
	}
	return mbean.Number{Class: class, Float: f, Text: s}
}

// jsonToValue converts JSON by shape: numbers keep their text (Jolokia
// writes Java's toString), objects become composites.
func jsonToValue(v any, depth int) any {
	if depth > mbean.MaxConvertDepth {
		return nil
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return mbean.Unsupported{Class: "number"}
		}
		return mbean.Number{Class: "json", Float: f, Text: x.String()}
	case map[string]any:
		c := &mbean.Composite{Items: make(map[string]any, len(x))}
		for k, e := range x {
			c.Keys = append(c.Keys, k)
			c.Items[k] = jsonToValue(e, depth+1)
		}
		sort.Strings(c.Keys)
		return c
	case []any:
		return mbean.ArrayValue{Class: "json", Len: len(x)}
	}
	return nil
}

// jolokiaTabular rebuilds TabularData from Jolokia's forms: a map keyed
// by the index value whose rows contain the index column; the
// {"indexNames", "values"} form of a composite index; or an MXBean map
// {key: value} (index "key", column "value").
func jolokiaTabular(m map[string]any) any {
	if in, ok := m["indexNames"].([]any); ok {
		if vals, ok := m["values"].([]any); ok && len(m) == 2 {
			t := &mbean.Tabular{}
			for _, n := range in {
				if s, ok := n.(string); ok {
					t.IndexNames = append(t.IndexNames, s)
				}
			}
			keys := map[string]bool{}
			for _, r := range vals {
				if c, ok := jsonToValue(r, 1).(*mbean.Composite); ok {
					t.Rows = append(t.Rows, c)
					for _, k := range c.Keys {
						keys[k] = true
					}
				}
			}
			for k := range keys {
				t.RowKeys = append(t.RowKeys, k)
			}
			sort.Strings(t.RowKeys)
			return t
		}
	}
	t := &mbean.Tabular{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rowKeys := map[string]bool{}
	for _, k := range keys {
		row, isObj := m[k].(map[string]any)
		index := ""
		if isObj {
			for col, v := range row {
				if s, ok := jsonScalarString(v); ok && s == k {
					index = col
					break
				}
			}
		}
		var c *mbean.Composite
		if index != "" {
			c = jsonToValue(row, 1).(*mbean.Composite)
			if len(t.IndexNames) == 0 {
				t.IndexNames = []string{index}
			}
		} else {
			// An MXBean map: {key: value}.
			c = &mbean.Composite{Keys: []string{"key", "value"}, Items: map[string]any{"key": k, "value": jsonToValue(m[k], 1)}}
			if len(t.IndexNames) == 0 {
				t.IndexNames = []string{"key"}
			}
		}
		for _, col := range c.Keys {
			rowKeys[col] = true
		}
		t.Rows = append(t.Rows, c)
	}
	for k := range rowKeys {
		t.RowKeys = append(t.RowKeys, k)
	}
	sort.Strings(t.RowKeys)
	return t
}

func jsonScalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// CloseIdleConnections closes the HTTP connections kept for reuse.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

var nan = math.NaN()

// URL is the agent's URL as configured.
func (c *Client) URL() string { return c.opts.URL }
