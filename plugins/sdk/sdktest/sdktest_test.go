package sdktest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/sdk"
	"github.com/rosetta-adapter/rosetta/plugins/sdk/sdktest"
)

var events = sdk.NewCounter("events_total", "Events.")

type pusher struct{ n int }

func (p *pusher) Info() sdk.Info { return sdk.Info{Name: "pusher", Version: "1", Mode: sdk.Push} }

func (p *pusher) Configure(_ context.Context, c sdk.Config) error {
	var cfg struct {
		N int `yaml:"n"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.n = cfg.N
	return nil
}

func (p *pusher) Run(ctx context.Context, w *sdk.Writer) error {
	for i := range p.n {
		if err := w.Sample(events).Label("shard", fmt.Sprint(i%4)).Delta().Value(1); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

// TestStream pushes more than one batch and checks every sample arrives,
// in order, with the tables kept across batches.
func TestStream(t *testing.T) {
	h, err := sdktest.Start(t, &pusher{}, "n: 5000\n")
	if err != nil {
		t.Fatal(err)
	}
	if h.Info.Mode != pluginpb.Mode_MODE_PUSH || h.Info.ContractVersion != 1 {
		t.Errorf("describe: %v", h.Info)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := h.Stream(ctx, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5000 {
		t.Fatalf("%d records, want 5000", len(recs))
	}
	for i, r := range recs {
		if r.Match != "events_total" || !r.Delta || r.Value != 1 || r.Labels.Get("shard") != fmt.Sprint(i%4) {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
}

// TestHeartbeat: an idle push driver still sends a message every
// heartbeat interval.
func TestHeartbeat(t *testing.T) {
	h, err := sdktest.Start(t, &pusher{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := h.Client().Stream(ctx, &pluginpb.StreamRequest{HeartbeatIntervalMs: 100})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 3 {
		b, err := stream.Recv()
		if err != nil {
			t.Fatalf("heartbeat %d: %v", i, err)
		}
		if len(b.Samples) != 0 {
			t.Fatalf("heartbeat %d carries %d samples", i, len(b.Samples))
		}
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Errorf("3 heartbeats in %s, want about 300ms", el)
	}
}
