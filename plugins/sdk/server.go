package sdk

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// flushInterval bounds how long a sample waits in a partial batch.
const flushInterval = 50 * time.Millisecond

// server adapts a Driver to the generated gRPC service.
type server struct {
	pluginpb.UnimplementedDriverServer
	d Driver
}

// NewServer returns the gRPC service implementation of d; Serve uses it,
// and so can tests that serve d themselves.
func NewServer(d Driver) pluginpb.DriverServer { return newServer(d) }

func newServer(d Driver) *server { return &server{d: d} }

func (s *server) Describe(_ context.Context, req *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	info := s.d.Info()
	mode := pluginpb.Mode_MODE_PUSH
	if info.Mode == Pull {
		mode = pluginpb.Mode_MODE_PULL
	}
	return &pluginpb.DescribeResponse{
		Name:            info.Name,
		Version:         info.Version,
		Description:     info.Description,
		Mode:            mode,
		ContractVersion: shared.ContractVersion,
	}, nil
}

func (s *server) Configure(ctx context.Context, req *pluginpb.ConfigureRequest) (*pluginpb.ConfigureResponse, error) {
	err := s.d.Configure(ctx, Config{Input: req.InputName, YAML: req.ConfigYaml, JSON: req.ConfigJson})
	resp := &pluginpb.ConfigureResponse{}
	for _, ce := range configErrors(err) {
		resp.Errors = append(resp.Errors, &pluginpb.ConfigError{
			Path:    ce.Path,
			Message: ce.Message,
			Line:    uint32(max(ce.Line, 0)),
			Column:  uint32(max(ce.Column, 0)),
		})
	}
	return resp, nil
}

func (s *server) Stream(req *pluginpb.StreamRequest, stream pluginpb.Driver_StreamServer) error {
	p, ok := s.d.(Pusher)
	if !ok {
		return status.Error(codes.Unimplemented, "not a push driver")
	}
	heartbeat := time.Duration(req.HeartbeatIntervalMs) * time.Millisecond
	if heartbeat <= 0 {
		heartbeat = 5 * time.Second
	}
	w := newWriter(stream.Send, int(req.MaxBatchSamples), 0)
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, w) }()
	tick := time.NewTicker(min(flushInterval, heartbeat/2))
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if ferr := w.Flush(); err == nil && ferr != nil && ctx.Err() == nil {
				err = ferr
			}
			if err != nil && ctx.Err() == nil {
				return status.Errorf(codes.Internal, "driver run: %v", err)
			}
			return nil
		case now := <-tick.C:
			if err := w.tick(now, heartbeat); err != nil {
				// The stream is gone; stop the driver and wait for it.
				cancel()
				<-done //nolint:errcheck // the stream's error is the one to return
				return err
			}
		}
	}
}

func (s *server) Collect(ctx context.Context, _ *pluginpb.CollectRequest) (*pluginpb.Batch, error) {
	p, ok := s.d.(Puller)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "not a pull driver")
	}
	w := newWriter(nil, 0, 0)
	if err := p.Collect(ctx, w); err != nil {
		return nil, status.Errorf(codes.Aborted, "collect: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	b := &pluginpb.Batch{
		Symbols:  w.batch.Symbols,
		Families: w.batch.Families,
		Samples:  w.batch.Samples,
		Errors:   w.batch.Errors,
		Dropped:  w.batch.Dropped,
	}
	return b, nil
}
