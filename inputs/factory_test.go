package inputs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

type testConfig struct{ N int }

func (*testConfig) Validate() error { return nil }

type testDriver struct{ n int }

func (*testDriver) Run(context.Context, normalize.Appender) error { return nil }

// A FullFactory is a Factory, a Replayer and a OnePoller.
var (
	_ Factory   = FullFactory[testConfig, *testConfig, *testDriver]{}
	_ Replayer  = FullFactory[testConfig, *testConfig, *testDriver]{}
	_ OnePoller = FullFactory[testConfig, *testConfig, *testDriver]{}
)

type otherConfig struct{}

func (*otherConfig) Validate() error { return nil }

// FactoryOf: defaults copied per call, decode and new errors passed on
// without a typed nil in the interface, the config type check naming the
// input.
func TestFactoryOf(t *testing.T) {
	defaults := testConfig{N: 7}
	errBad := errors.New("bad")
	f := NewFactoryOf("test", &defaults,
		func(n *yaml.Node) (*testConfig, error) {
			if n == nil {
				return nil, errBad
			}
			return &testConfig{N: len(n.Content)}, nil
		},
		func(_ Settings, c *testConfig) (*testDriver, error) {
			if c.N < 0 {
				return nil, errBad
			}
			return &testDriver{c.N}, nil
		})
	var _ Factory = f
	if f.Type() != "test" {
		t.Errorf("Type() = %q", f.Type())
	}
	c1, c2 := f.NewDefaultConfig().(*testConfig), f.NewDefaultConfig().(*testConfig)
	if c1 == c2 || c1.N != 7 {
		t.Errorf("NewDefaultConfig: %p %p %+v: want fresh copies of the defaults", c1, c2, c1)
	}
	if cfg, err := f.Decode(nil); cfg != nil || !errors.Is(err, errBad) {
		t.Errorf("Decode(nil) = %#v, %v: want a nil Config and the error", cfg, err)
	}
	if cfg, err := f.Decode(&yaml.Node{Content: make([]*yaml.Node, 2)}); err != nil || cfg.(*testConfig).N != 2 {
		t.Errorf("Decode = %#v, %v", cfg, err)
	}
	if d, err := f.New(Settings{Name: "a"}, &testConfig{N: -1}); d != nil || !errors.Is(err, errBad) {
		t.Errorf("New(failing) = %#v, %v: want a nil Driver and the error", d, err)
	}
	if d, err := f.New(Settings{Name: "a"}, &testConfig{N: 3}); err != nil || d.(*testDriver).n != 3 {
		t.Errorf("New = %#v, %v", d, err)
	}
	_, err := f.New(Settings{Name: "web"}, &otherConfig{})
	if err == nil || !strings.Contains(err.Error(), `test input "web": config is *inputs.otherConfig, not *inputs.testConfig`) {
		t.Errorf("New(wrong config type) error = %v", err)
	}
}

// Replaying and PollingOnce hand the driver its own config type, and
// refuse another config type with an error naming the input.
func TestReplayingAndPollingOnce(t *testing.T) {
	fo := NewFactoryOf("test", &testConfig{}, nil, func(Settings, *testConfig) (*testDriver, error) { return nil, nil })
	f := struct {
		FactoryOf[testConfig, *testConfig, *testDriver]
		Replaying[testConfig]
		PollingOnce[testConfig]
	}{fo, fo.Replaying(func(c *testConfig, body []byte) ([]normalize.Record, error) {
		return []normalize.Record{{Match: string(body), Value: float64(c.N)}}, nil
	}), fo.PollingOnce(func(_ context.Context, c *testConfig) ([]Recording, error) {
		return []Recording{{Target: "t", Body: []byte{byte(c.N)}}}, nil
	})}
	var _ Replayer = f
	var _ OnePoller = f
	if recs, err := f.Replay(&testConfig{N: 4}, []byte("m")); err != nil || len(recs) != 1 || recs[0].Match != "m" || recs[0].Value != 4 {
		t.Errorf("Replay = %+v, %v", recs, err)
	}
	if recs, err := f.PollOnce(context.Background(), &testConfig{N: 5}); err != nil || len(recs) != 1 || recs[0].Body[0] != 5 {
		t.Errorf("PollOnce = %+v, %v", recs, err)
	}
	const want = "test input: config is *inputs.otherConfig, not *inputs.testConfig"
	if recs, err := f.Replay(&otherConfig{}, nil); recs != nil || err == nil || err.Error() != want {
		t.Errorf("Replay(wrong config type) = %v, %v; want %q", recs, err, want)
	}
	if recs, err := f.PollOnce(context.Background(), &otherConfig{}); recs != nil || err == nil || err.Error() != want {
		t.Errorf("PollOnce(wrong config type) = %v, %v; want %q", recs, err, want)
	}
}
