package plugin

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// TestRosettaConfig goes the way cmd/rosetta does: a Rosetta config file
// with a plugin input and a rule, built by mappings.Build with the plugin
// factory in the registry, run through the input's rules into the store.
func TestRosettaConfig(t *testing.T) {
	reg, err := inputs.NewRegistry(NewFactory())
	if err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`inputs:
  - name: procs
    type: plugin
    config:
      path: %s
      interval: 100ms
      timeout: 90ms
      config:
        pids: [0]
    rules:
      - match: process_cpu_seconds_total
        name: myapp_cpu_seconds_total
        labels: {app: myapp}
`, bin("procstat"))
	cfg, err := mappings.Parse("rosetta.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ins, err := mappings.Build(cfg, reg, mappings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := ins[0]
	drv, err := in.Factory.New(inputs.Settings{Name: in.Name, Logger: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry()}, in.Config)
	if err != nil {
		t.Fatal(err)
	}
	store, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	run(t, drv.(*Driver), normalize.NewPipeline(normalize.PipelineSettings{Input: in.Name, Sink: store}, in.Rules))
	want := fmt.Sprintf(`myapp_cpu_seconds_total{app="myapp",comm="plugin.test",pid="%d"}`, os.Getpid())
	deadline := time.Now().Add(20 * time.Second)
	for {
		mfs, err := store.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for _, mf := range mfs {
			_, _ = expfmt.MetricFamilyToText(&buf, mf)
		}
		if strings.Contains(buf.String(), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in:\n%s", want, buf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A typo in the plugin input's block is reported at the key itself.
	bad := strings.Replace(src, "      interval: 100ms", "      intervall: 100ms", 1)
	cfg, err = mappings.Parse("rosetta.yml", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mappings.Build(cfg, reg, mappings.Options{})
	if err == nil || !strings.Contains(err.Error(), "rosetta.yml:6:7") || !strings.Contains(err.Error(), `unknown key "intervall"`) {
		t.Errorf("Build of a config with a typo: %v", err)
	}
}
