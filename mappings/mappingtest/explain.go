package mappingtest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// ExplainReport is what Explain found, for callers that check it.
type ExplainReport struct {
	Mapped, Unmatched, Dropped, Invalid int
	Conflicts                           []outputs.Conflict
	OverBudget                          float64
	Suggestions                         []Suggestion
}

// Explain writes, for each record, its match string, the rule that matched
// (file:line) with its captures and the other rules that match too, and the
// series it becomes — or that it is unmatched, dropped or invalid and why.
// The records then go through a real store (with the source's series
// limit), whose conflicts and budget overflow are reported, and unmatched
// names get suggested rules. push says the records add up (StatsD).
func Explain(w io.Writer, src *Source, recs []normalize.Record, push bool) (*ExplainReport, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	rep := &ExplainReport{}
	var unmatched []Name
	seen := map[string]bool{}
	for _, r := range recs {
		x := src.Rules.Explain(r)
		fmt.Fprintf(bw, "%s", r.Match)
		if len(r.Labels) > 0 {
			fmt.Fprintf(bw, " %s", r.Labels)
		}
		fmt.Fprintf(bw, " (%s)\n", r.Type)
		if x.Rule != nil {
			fmt.Fprintf(bw, "  rule     %s  match %q", x.Rule.ID, x.Rule.Match)
			if len(x.Captures) > 1 {
				fmt.Fprintf(bw, "  captures %q", x.Captures[1:])
			}
			bw.WriteByte('\n')
		}
		switch x.Outcome {
		case normalize.OutcomeMapped:
			rep.Mapped++
			fmt.Fprintf(bw, "  series   %s\n", sampleString(&x.Sample))
		case normalize.OutcomeUnmatched:
			rep.Unmatched++
			fmt.Fprintf(bw, "  unmatched: kept as %s\n", sampleString(&x.Sample))
		case normalize.OutcomeDropped:
			rep.Dropped++
			fmt.Fprintf(bw, "  dropped: %s\n", x.Reason)
		case normalize.OutcomeInvalid:
			rep.Invalid++
			fmt.Fprintf(bw, "  invalid: %s\n", x.Reason)
		}
		if x.Rule == nil && !seen[r.Match] {
			seen[r.Match] = true
			unmatched = append(unmatched, Name{Match: r.Match, Type: r.Type})
		}
		for _, o := range x.Other {
			fmt.Fprintf(bw, "  also     %s  match %q: %s\n", o.Rule.ID, o.Rule.Match, o.Why)
		}
	}
	store, reg, err := runStore(src, recs, push)
	if err != nil {
		return nil, err
	}
	rep.Conflicts = store.RecentConflicts()
	if mfs, err := reg.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() == "rosetta_series_budget_overflow_total" {
				for _, m := range mf.GetMetric() {
					rep.OverBudget += m.GetCounter().GetValue()
				}
			}
		}
	}
	fmt.Fprintf(bw, "\n%d records: %d mapped, %d unmatched, %d dropped, %d invalid; %d series stored\n",
		len(recs), rep.Mapped, rep.Unmatched, rep.Dropped, rep.Invalid, store.Len())
	for _, c := range rep.Conflicts {
		fmt.Fprintf(bw, "conflict: %s%s (%s) refused: %s", c.Name, c.Labels, c.Type, c.Reason)
		if c.Rule != "" {
			fmt.Fprintf(bw, ", rule %s", c.Rule)
		}
		if c.Count > 1 {
			fmt.Fprintf(bw, ", %d times", c.Count)
		}
		bw.WriteByte('\n')
	}
	if rep.OverBudget > 0 {
		fmt.Fprintf(bw, "over budget: %.0f new series refused by the series limit (%d)\n", rep.OverBudget, src.SeriesLimit)
	}
	if len(unmatched) > 0 {
		rep.Suggestions = Suggest(unmatched)
		KeepUnmatched(rep.Suggestions, src.Rules)
		fmt.Fprintf(bw, "\n%d unmatched names; rules that would cover them:\n\n%s", len(unmatched), YAML(rep.Suggestions))
	}
	return rep, bw.Flush()
}

func sampleString(s *normalize.Sample) string {
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteString(s.Labels.String())
	b.WriteByte(' ')
	if s.Dist != nil {
		fmt.Fprintf(&b, "count=%d sum=%s", s.Dist.Count, strconv.FormatFloat(s.Dist.Sum, 'g', -1, 64))
	} else {
		b.WriteString(strconv.FormatFloat(s.Value, 'g', -1, 64))
	}
	b.WriteByte(' ')
	t := s.Type.String()
	if s.Type == normalize.TypeObserver && s.Opts != nil && s.Opts.Observer != normalize.ObserverDefault {
		t = s.Opts.Observer.String() + " observation"
	}
	b.WriteString(t)
	return b.String()
}
