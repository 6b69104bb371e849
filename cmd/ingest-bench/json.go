package main

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"
)

// jsonResult is one server's results in the -json file, which
// cmd/bench-report reads.
type jsonResult struct {
	Ingest []jsonIngest `json:"ingest,omitempty"`
	// IdleRSS and RSS are bytes before and after the series were created;
	// RSSPerSeries is their difference per series.
	IdleRSS      int64   `json:"idle_rss,omitempty"`
	RSS          int64   `json:"rss,omitempty"`
	RSSPerSeries float64 `json:"rss_per_series,omitempty"`
	// RenderText and RenderGzip are every /metrics render time (seconds),
	// sorted.
	RenderText []float64 `json:"render_text,omitempty"`
	RenderGzip []float64 `json:"render_gzip,omitempty"`
	BodyBytes  int       `json:"body_bytes,omitempty"`
}

type jsonIngest struct {
	Sender         string `json:"sender"`
	LinesPerPacket int    `json:"lines_per_packet"`
	MaxLossless    int    `json:"max_lossless"`
	SenderLimited  bool   `json:"sender_limited"`
	// LastLosslessRate is the asked-for rate of the highest lossless step
	// and FirstLossRate the lowest rate of a step with loss (0: none).
	LastLosslessRate int `json:"last_lossless_rate"`
	FirstLossRate    int `json:"first_loss_rate"`
	// CPUPerMillion is CPU seconds per million lines applied by the
	// asked-for rate of each lossless ramp step and of the fixed-rate step
	// (-cpu-rate, lossless or not: FixedLossless).
	CPUPerMillion map[int]float64 `json:"cpu_per_million"`
	FixedLossless bool            `json:"fixed_lossless"`
}

type jsonReport struct {
	Machine   string `json:"machine"`
	Sender    string `json:"sender"`
	Series    int    `json:"series"`
	SeriesMix string `json:"series_mix"`
	// SeriesRounds and TimerObservations shape the issue15 mix.
	SeriesRounds      int                    `json:"series_rounds,omitempty"`
	TimerObservations int                    `json:"timer_observations,omitempty"`
	Servers           map[string]*jsonResult `json:"servers"`
}

func writeJSON(file string, o options, res map[string]*result) error {
	rep := jsonReport{Machine: benchenv.Machine(), Sender: strings.Join(o.senders, ","), Series: o.series, SeriesMix: o.seriesMix, SeriesRounds: o.seriesRounds, TimerObservations: o.timerObs, Servers: map[string]*jsonResult{}}
	for name, r := range res {
		jr := &jsonResult{IdleRSS: r.idleRSS, RSS: r.rss, BodyBytes: r.bodyBytes}
		if r.seriesCreated > 0 {
			jr.RSSPerSeries = float64(r.rss-r.idleRSS) / float64(r.seriesCreated)
		}
		for _, d := range r.renderText {
			jr.RenderText = append(jr.RenderText, d.Seconds())
		}
		for _, d := range r.renderGzip {
			jr.RenderGzip = append(jr.RenderGzip, d.Seconds())
		}
		for _, run := range r.runs {
			ji := jsonIngest{Sender: run.sender, LinesPerPacket: run.linesPerPacket, MaxLossless: run.maxLossless, SenderLimited: run.senderLimited,
				LastLosslessRate: lastLosslessRate(run), CPUPerMillion: map[int]float64{}}
			for _, st := range run.steps {
				if !st.lossless {
					if ji.FirstLossRate == 0 || st.rate < ji.FirstLossRate {
						ji.FirstLossRate = st.rate
					}
					continue
				}
				if st.applied > 0 {
					ji.CPUPerMillion[st.rate] = st.cpuPerM()
				}
			}
			if f := run.fixed; f != nil && f.applied > 0 {
				ji.CPUPerMillion[f.rate] = f.cpuPerM()
				ji.FixedLossless = f.lossless
			}
			jr.Ingest = append(jr.Ingest, ji)
		}
		rep.Servers[name] = jr
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o600)
}
