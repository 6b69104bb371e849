package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxDepth bounds recursion over config nodes (and alias expansion).
const maxDepth = 64

// toJSON renders a YAML node as JSON: mappings become objects (keys as
// their text), sequences arrays, scalars by their resolved tag; NaN and
// infinities, which JSON lacks, become strings. A zero node is "null".
func toJSON(n *yaml.Node) (string, error) {
	var b bytes.Buffer
	budget := 1 << 20 // nodes, against alias bombs
	if err := writeJSON(&b, n, 0, &budget); err != nil {
		return "", err
	}
	return b.String(), nil
}

// writeList writes an object or an array: its n members or elements,
// each by elem, comma-separated between begin and end.
func writeList(b *bytes.Buffer, begin, end byte, n int, elem func(i int) error) error {
	b.WriteByte(begin)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := elem(i); err != nil {
			return err
		}
	}
	b.WriteByte(end)
	return nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int, budget *int) error {
	*budget--
	if *budget < 0 {
		return fmt.Errorf("config block too large to pass to the plugin")
	}
	if depth > maxDepth {
		return fmt.Errorf("%d:%d: config block nested deeper than %d", n.Line, n.Column, maxDepth)
	}
	switch n.Kind {
	case 0:
		b.WriteString("null")
		return nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeJSON(b, n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			b.WriteString("null")
			return nil
		}
		return writeJSON(b, n.Alias, depth+1, budget)
	case yaml.MappingNode:
		return writeList(b, '{', '}', len(n.Content)/2, func(i int) error {
			k, v := n.Content[2*i], n.Content[2*i+1]
			key := k.Value
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				key = k.Alias.Value
			}
			writeString(b, key)
			b.WriteByte(':')
			return writeJSON(b, v, depth+1, budget)
		})
	case yaml.SequenceNode:
		return writeList(b, '[', ']', len(n.Content), func(i int) error {
			return writeJSON(b, n.Content[i], depth+1, budget)
		})
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			var v bool
			if err := n.Decode(&v); err != nil {
				writeString(b, n.Value)
				return nil
			}
			b.WriteString(strconv.FormatBool(v))
		case "!!int":
			var v int64
			if err := n.Decode(&v); err != nil {
				var u uint64
				if err := n.Decode(&u); err != nil {
					writeString(b, n.Value)
					return nil
				}
				b.WriteString(strconv.FormatUint(u, 10))
				return nil
			}
			b.WriteString(strconv.FormatInt(v, 10))
		case "!!float":
			var v float64
			if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				writeString(b, n.Value)
				return nil
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		default:
			writeString(b, n.Value)
		}
		return nil
	}
	return fmt.Errorf("%d:%d: unsupported YAML node kind %d", n.Line, n.Column, n.Kind)
}

func writeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // strings always marshal; invalid UTF-8 becomes U+FFFD
	b.Write(out)
}

// toYAML renders the config node as YAML text ("" for a zero node).
func toYAML(n *yaml.Node) (string, error) {
	if n.Kind == 0 {
		return "", nil
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// pathSegment is one step of a config path: a key or an index.
type pathSegment struct {
	key   string
	index int // -1 for a key
}

// parsePath parses "a.b[2].c", "[0].x" or "" (the block itself).
func parsePath(p string) ([]pathSegment, error) {
	var segs []pathSegment
	i := 0
	for i < len(p) {
		switch p[i] {
		case '.':
			if i == 0 || i == len(p)-1 {
				return nil, fmt.Errorf("path %q: misplaced '.'", p)
			}
			i++
			if p[i] == '.' || p[i] == '[' {
				return nil, fmt.Errorf("path %q: empty key at %d", p, i)
			}
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed '['", p)
			}
			n, err := strconv.Atoi(p[i+1 : i+end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("path %q: bad index %q", p, p[i+1:i+end])
			}
			segs = append(segs, pathSegment{index: n})
			i += end + 1
			if i < len(p) && p[i] != '.' && p[i] != '[' {
				return nil, fmt.Errorf("path %q: want '.' or '[' after ']' at %d", p, i)
			}
		default:
			end := strings.IndexAny(p[i:], ".[")
			if end < 0 {
				end = len(p) - i
			}
			segs = append(segs, pathSegment{key: p[i : i+end], index: -1})
			i += end
		}
	}
	return segs, nil
}

// resolvePath returns the node path names under root, or the deepest node
// on the way to it when it does not exist (ok false).
func resolvePath(root *yaml.Node, path string) (n *yaml.Node, ok bool) {
	n = root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	segs, err := parsePath(path)
	if err != nil {
		return n, false
	}
	for _, s := range segs {
		for d := 0; n.Kind == yaml.AliasNode && n.Alias != nil && d < maxDepth; d++ {
			n = n.Alias
		}
		var next *yaml.Node
		switch {
		case s.index >= 0 && n.Kind == yaml.SequenceNode && s.index < len(n.Content):
			next = n.Content[s.index]
		case s.index < 0 && n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s.key {
					next = n.Content[i+1]
					break
				}
			}
		}
		if next == nil {
			return n, false
		}
		n = next
	}
	return n, true
}

// pathAtLine finds, in the config rendered as text (what the plugin saw),
// the path of the first value on line, so that a plugin's line number can
// be mapped back to the original file. "" when nothing is on that line.
func pathAtLine(text string, line int) string {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return ""
	}
	var best string
	found := false
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		if found || depth > maxDepth {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line || (v.Line == line && leaf(v)) {
					best, found = p, true
					return
				}
				walk(v, p, depth+1)
				if found {
					return
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && leaf(c) {
					best, found = p, true
					return
				}
				walk(c, p, depth+1)
				if found {
					return
				}
			}
		}
	}
	walk(&doc, "", 0)
	return best
}

// leaf reports whether n ends the search for a line: a scalar, an alias
// or a flow collection, which sit on their first line.
func leaf(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode || n.Kind == yaml.AliasNode || n.Style&yaml.FlowStyle != 0
}
