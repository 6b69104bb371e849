// Package sdktest runs a plugin driver in-process for tests: the driver is
// served over a real in-memory gRPC connection with the same shims and the
// same batch decoder Rosetta uses, so a test sees exactly the records
// Rosetta would get.
package sdktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/sdk"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// Harness is a driver served in-process.
type Harness struct {
	Info   *pluginpb.DescribeResponse
	client pluginpb.DriverClient
}

// Start serves d, describes it and configures it with configYAML (the
// input's config block). Configuration errors are returned, formatted as
// Rosetta formats them (relative to configYAML).
func Start(t testing.TB, d sdk.Driver, configYAML string) (*Harness, error) {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, shared.PluginMap(sdk.NewServer(d)))
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(shared.PluginName)
	if err != nil {
		return nil, err
	}
	h := &Harness{client: raw.(pluginpb.DriverClient)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h.Info, err = h.client.Describe(ctx, &pluginpb.DescribeRequest{ContractVersion: shared.ContractVersion}); err != nil {
		return nil, err
	}
	resp, err := h.client.Configure(ctx, &pluginpb.ConfigureRequest{InputName: "test", ConfigYaml: configYAML})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ce := range resp.Errors {
		errs = append(errs, fmt.Errorf("%d:%d: %s: %s", ce.Line, ce.Column, ce.Path, ce.Message))
	}
	return h, errors.Join(errs...)
}

// Collect polls a pull driver once.
func (h *Harness) Collect(ctx context.Context) ([]normalize.Record, error) {
	b, err := h.client.Collect(ctx, &pluginpb.CollectRequest{})
	if err != nil {
		return nil, err
	}
	var out shared.Decoded
	if err := shared.NewDecoder(shared.Limits{}).Decode(b, &out); err != nil {
		return nil, err
	}
	if len(out.Invalid) > 0 {
		return out.Records, fmt.Errorf("invalid samples: %v", out.Invalid)
	}
	return out.Records, nil
}

// Stream runs a push driver and returns its records once it has sent at
// least n, or what it sent before it ended or ctx ended.
func (h *Harness) Stream(ctx context.Context, n int) ([]normalize.Record, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := h.client.Stream(ctx, &pluginpb.StreamRequest{HeartbeatIntervalMs: 1000, MaxBatchSamples: 1024})
	if err != nil {
		return nil, err
	}
	dec := shared.NewDecoder(shared.Limits{})
	var recs []normalize.Record
	for len(recs) < n {
		b, err := stream.Recv()
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			return recs, ctx.Err()
		}
		if err != nil {
			return recs, err
		}
		var out shared.Decoded
		if err := dec.Decode(b, &out); err != nil {
			return recs, err
		}
		if len(out.Invalid) > 0 {
			return recs, fmt.Errorf("invalid samples: %v", out.Invalid)
		}
		recs = append(recs, out.Records...)
	}
	return recs, nil
}

// Client is the raw gRPC client of the driver, for tests of the contract
// itself.
func (h *Harness) Client() pluginpb.DriverClient { return h.client }
