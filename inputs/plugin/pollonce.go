package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rosetta-adapter/rosetta/inputs"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
)

// pollOnce is the input's inputs.OnePoller: the plugin is launched,
// configured and asked once — one Collect of a pull plugin, the batches a
// push plugin streams until ctx ends — and stopped; the batches are
// written one per line in protobuf JSON, the format replay reads.
func pollOnce(ctx context.Context, c *Config) ([]inputs.Recording, error) {
	// ctx's deadline is the time to listen to a push plugin: it starts
	// when the plugin is up, not before its launch.
	listen := time.Duration(-1)
	if dl, ok := ctx.Deadline(); ok {
		listen = time.Until(dl)
	}
	d, err := New(inputs.Settings{Name: "poll", Registerer: prometheus.NewRegistry()}, c)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(context.Background(), c.StartTimeout)
	s, err := d.launch(lctx)
	cancel()
	if err != nil {
		return nil, err
	}
	defer s.kill(true)
	if listen >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), listen)
		defer cancel()
	}
	var body bytes.Buffer
	write := func(b *pluginpb.Batch) error {
		line, err := protojson.MarshalOptions{}.Marshal(b)
		if err != nil {
			return err
		}
		body.Write(line)
		body.WriteByte('\n')
		return nil
	}
	if s.info.Mode == pluginpb.Mode_MODE_PULL {
		cctx, cancel := context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		b, err := s.rpc.Collect(cctx, &pluginpb.CollectRequest{})
		if err != nil {
			return nil, fmt.Errorf("plugin %q: collect: %w", s.info.Name, err)
		}
		if err := write(b); err != nil {
			return nil, err
		}
		return []inputs.Recording{{Target: s.info.Name, Body: body.Bytes()}}, nil
	}
	stream, err := s.rpc.Stream(ctx, &pluginpb.StreamRequest{
		HeartbeatIntervalMs: uint32(c.HeartbeatInterval / time.Millisecond),
		MaxBatchSamples:     uint32(c.MaxBatchSamples),
	})
	if err != nil {
		return nil, fmt.Errorf("plugin %q: opening stream: %w", s.info.Name, err)
	}
	for {
		var b pluginpb.Batch
		if err := stream.RecvMsg(&b); err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) || status.Code(err) == codes.DeadlineExceeded || status.Code(err) == codes.Canceled {
				break // the listening time is over (gRPC's timer may say so first)
			}
			return nil, fmt.Errorf("plugin %q: stream: %w", s.info.Name, err)
		}
		if err := write(&b); err != nil {
			return nil, err
		}
	}
	return []inputs.Recording{{Target: s.info.Name, Body: body.Bytes()}}, nil
}
