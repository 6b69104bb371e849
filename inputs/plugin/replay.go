package plugin

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// replay is the input's inputs.Replayer: body is what a plugin sent, one
// Batch message of plugins/proto per line in its protobuf JSON form,
// decoded as one stream (the symbol and family tables carry over from line
// to line) under c's limits, exactly as the host decodes a live stream.
// Blank lines and lines starting with # are skipped.
func replay(c *Config, body []byte) ([]normalize.Record, error) {
	dec := shared.NewDecoder(shared.Limits{MaxSymbols: c.MaxSymbols})
	var (
		out     []normalize.Record
		d       shared.Decoded
		invalid = map[string]uint64{}
	)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var b pluginpb.Batch
		if err := protojson.Unmarshal(line, &b); err != nil {
			return out, fmt.Errorf("line %d: not a Batch in protobuf JSON: %w", n, err)
		}
		d.Reset()
		if err := dec.Decode(&b, &d); err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		for _, r := range d.Records {
			r.Match = strings.Clone(r.Match)
			r.Labels = append(normalize.Labels(nil), r.Labels...)
			out = append(out, r)
		}
		for reason, k := range d.Invalid {
			invalid[reason] += k
		}
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if len(invalid) > 0 {
		var bad []string
		for reason, k := range invalid {
			bad = append(bad, fmt.Sprintf("%s: %d", reason, k))
		}
		sort.Strings(bad)
		return out, fmt.Errorf("samples skipped by the decoder (%s)", strings.Join(bad, ", "))
	}
	return out, nil
}
