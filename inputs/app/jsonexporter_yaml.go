package app

import (
	"errors"
	"strings"

	yaml2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

// json_exporter reads its config with yaml.v2, not strict, into its
// structs. Rosetta parses the file with yaml.v3 (for positions), then
// gives the tree yaml.v2's meaning (v2Tree) and decodes its pieces with
// yaml.v2 itself (v2Decode), so that values read are json_exporter's.

// maxV2Nodes bounds the nodes v2Tree makes: aliases share what they
// point to.
const maxV2Nodes = 1 << 20

// maxV2PieceNodes bounds the mappings v2Tree copies (two mappings under
// one key add up into a copy) and the nodes of a piece v2Decode writes
// out whole, aliases expanded: the aliases of a few hundred bytes can
// stand for billions of nodes, which yaml.v2 refuses to expand ("excessive
// aliasing") where json_exporter decodes them, and json_exporter skips
// under a key it does not know. Real configs copy a few mappings, and
// their pieces (headers, labels, a client config) have tens of nodes.
const maxV2PieceNodes = 1 << 16

// errV2Aliasing is v2Tree's answer to a tree past maxV2Nodes.
var errV2Aliasing = errors.New("document contains excessive aliasing")

// v2Tree returns n as yaml.v2 decodes it into json_exporter's structs and
// maps: in each mapping, keys in the file's order, a merge key's mappings
// decoded where it stands (of a list of them, the first wins), a later
// key replacing an earlier one, except that two mappings under one key
// add up (yaml.v2 decodes the second into the struct or map the first
// made). Aliases are resolved; the result shares the nodes they name.
func v2Tree(n *yaml.Node) (*yaml.Node, error) {
	t := &v2Flattener{done: map[*yaml.Node]*yaml.Node{}}
	out := t.node(n)
	return out, t.err
}

type v2Flattener struct {
	done  map[*yaml.Node]*yaml.Node
	count int
	// copies counts the mappings that add up, copied: mappings of
	// mappings given twice through aliases double them at each level.
	copies int
	err    error
}

func (t *v2Flattener) node(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || t.err != nil {
		return n
	}
	if d, ok := t.done[n]; ok {
		return d
	}
	if t.count++; t.count > maxV2Nodes {
		t.err = errV2Aliasing
		return n
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		c := *n
		c.Content = make([]*yaml.Node, len(n.Content))
		t.done[n] = &c
		for i, x := range n.Content {
			c.Content[i] = t.node(x)
		}
		return &c
	case yaml.MappingNode:
		c := *n
		c.Content = nil
		t.done[n] = &c
		t.into(&c, n)
		return &c
	}
	return n
}

// into decodes mapping src's entries into dst in yaml.v2's order.
func (t *v2Flattener) into(dst, src *yaml.Node) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			m := v
			for m != nil && m.Kind == yaml.AliasNode {
				m = m.Alias
			}
			switch {
			case m == nil:
			case m.Kind == yaml.MappingNode:
				t.into(dst, t.node(m))
			case m.Kind == yaml.SequenceNode:
				for j := len(m.Content) - 1; j >= 0; j-- {
					if x := t.node(m.Content[j]); x != nil && x.Kind == yaml.MappingNode {
						t.into(dst, x)
					}
				}
			}
			continue
		}
		t.set(dst, k, t.node(v))
	}
}

// set sets key k of mapping dst to v, the last value winning; two
// mappings add up.
func (t *v2Flattener) set(dst, k, v *yaml.Node) {
	for i := 0; i+1 < len(dst.Content); i += 2 {
		if dst.Content[i].Kind == k.Kind && dst.Content[i].Value == k.Value {
			old := dst.Content[i+1]
			if old.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
				if t.copies++; t.copies > maxV2PieceNodes {
					t.err = errV2Aliasing
					return
				}
				c := *old
				c.Content = append([]*yaml.Node(nil), old.Content...)
				t.into(&c, v)
				dst.Content[i+1] = &c
				return
			}
			dst.Content[i+1] = v
			return
		}
	}
	dst.Content = append(dst.Content, k, v)
}

// v2Decode decodes n into out with yaml.v2, as json_exporter decodes its
// config (YAML 1.1: yes/on/y are true, 010 is 8, a float is truncated into
// an int, null is the zero value).
func v2Decode(n *yaml.Node, out any) error {
	if budget := maxV2PieceNodes; !fits(n, &budget) {
		return errV2Aliasing
	}
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	return yaml2.Unmarshal(data, out)
}

// fits reports whether n, its aliases expanded, has at most *budget
// nodes, and takes them from *budget.
func fits(n *yaml.Node, budget *int) bool {
	if n == nil {
		return true
	}
	if *budget--; *budget < 0 {
		return false
	}
	for _, c := range n.Content {
		if !fits(c, budget) {
			return false
		}
	}
	return fits(n.Alias, budget)
}

// v2Msg is yaml.v2's message without its "yaml: unmarshal errors" head
// and line numbers (those of the piece decoded, not of the file).
func v2Msg(err error) string {
	var te *yaml2.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		if _, rest, ok := strings.Cut(e, ": "); ok && strings.HasPrefix(e, "line ") {
			e = rest
		}
		msgs[i] = e
	}
	return strings.Join(msgs, "; ")
}
