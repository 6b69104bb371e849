// Command testplugin is a plugin for the host's tests, with misbehaviours
// chosen by TESTPLUGIN_MODE: steady (a sample every 5 ms), count (config
// count: N samples as fast as possible, then idle), flood (as fast as
// possible, forever), hang (one batch, then silence without heartbeats),
// exit (one batch, then exit 3), protocol2 (go-plugin app protocol 2),
// contract2 (describes itself as contract version 2), cookie (another
// host's magic cookie), pull (a pull driver
// with three series), pullfail (pull, every second collect fails).
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/go-plugin"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/sdk"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

var (
	ticks = sdk.NewCounter("test_ticks_total", "Ticks.")
	value = sdk.NewGauge("test_value", "A value.")
)

type driver struct {
	mode    string
	count   int
	collect int
}

func (d *driver) Info() sdk.Info {
	m := sdk.Push
	if d.mode == "pull" || d.mode == "pullfail" {
		m = sdk.Pull
	}
	return sdk.Info{Name: "testplugin", Version: "0.0.1", Mode: m}
}

func (d *driver) Configure(_ context.Context, c sdk.Config) error {
	var cfg struct {
		Count int `yaml:"count"`
	}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	if cfg.Count < 0 {
		return sdk.FieldError("count", "%d must not be negative", cfg.Count)
	}
	d.count = cfg.Count
	return nil
}

var hosts = [...]string{"a", "b", "c", "d", "e", "f", "g", "h"}

func (d *driver) Run(ctx context.Context, w *sdk.Writer) error {
	sdk.Logger().Warn("testplugin running", "mode", d.mode)
	switch d.mode {
	case "count":
		for i := 0; i < d.count; i++ {
			if err := w.Add(value, float64(i), "host", hosts[i&7], "shard", hosts[(i>>3)&7], "kind", "bench"); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	case "flood":
		for i := 0; ctx.Err() == nil; i++ {
			if err := w.Add(value, float64(i), "host", hosts[i&7]); err != nil {
				return nil
			}
		}
		return nil
	case "exit":
		_ = w.Sample(ticks).Delta().Value(1)
		_ = w.Flush()
		time.Sleep(50 * time.Millisecond)
		os.Exit(3)
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := w.Sample(ticks).Label("pid", strconv.Itoa(os.Getpid())).Delta().Value(1); err != nil {
				return err
			}
		}
	}
}

func (d *driver) Collect(_ context.Context, w *sdk.Writer) error {
	d.collect++
	if d.mode == "pullfail" && d.collect%2 == 0 {
		return fmt.Errorf("source unreachable (collect %d)", d.collect)
	}
	for i, h := range hosts[:3] {
		_ = w.Add(value, float64(i), "host", h)
	}
	return nil
}

// rawServer misbehaves below the SDK.
type rawServer struct {
	pluginpb.UnimplementedDriverServer
	mode string
}

func (s *rawServer) Describe(context.Context, *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	v := uint32(shared.ContractVersion)
	if s.mode == "contract2" {
		v = 2
	}
	return &pluginpb.DescribeResponse{Name: "testplugin", Version: "0.0.1", Mode: pluginpb.Mode_MODE_PUSH, ContractVersion: v}, nil
}

func (s *rawServer) Configure(context.Context, *pluginpb.ConfigureRequest) (*pluginpb.ConfigureResponse, error) {
	return &pluginpb.ConfigureResponse{}, nil
}

func (s *rawServer) Stream(_ *pluginpb.StreamRequest, stream pluginpb.Driver_StreamServer) error {
	_ = stream.Send(&pluginpb.Batch{
		Symbols:  []string{"host", "a"},
		Families: []*pluginpb.Family{{Name: "test_value", Type: pluginpb.Type_TYPE_GAUGE}},
		Samples:  []*pluginpb.Sample{{Family: 0, Labels: []uint32{0, 1}, Value: 1}},
	})
	select {} // hang: no more messages, not even heartbeats
}

func main() {
	mode := os.Getenv("TESTPLUGIN_MODE")
	hs := shared.Handshake
	switch mode {
	case "hang", "contract2":
	case "cookie":
		// A plugin built for another host: its magic cookie differs.
		hs.MagicCookieKey, hs.MagicCookieValue = "OTHER_HOST_PLUGIN", "x"
	case "protocol2":
		hs.ProtocolVersion = 2
	default:
		if err := sdk.Serve(&driver{mode: mode}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	// The modes above misbehave below the SDK, with the handshake set.
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         shared.PluginMap(&rawServer{mode: mode}),
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
