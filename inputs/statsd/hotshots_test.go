package statsd

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestHotShots drives the hot-shots npm client (a real DogStatsD client)
// with node over UDP and TCP and checks the records. It fails when node
// or hot-shots is missing: `make peers` installs them.
func TestHotShots(t *testing.T) {
	node := rtestutil.Peer(t, "nodejs", "node")
	modules, err := filepath.Abs(filepath.Join("..", "..", "testdata", "node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "hot-shots", "package.json")); err != nil {
		t.Fatalf("hot-shots is not installed in %s; `make peers` installs the test peers: %v", modules, err)
	}
	tags := func(kv ...string) []string { return append([]string{"service", "checkout"}, kv...) }
	want := []normalize.Record{
		ctr("app.requests", 3, tags("route", "/api")...),
		ctr("app.inflight", -1, tags("pool", "a")...),
		gauge("app.queue.depth", 42.5, false, tags("queue", "orders")...),
		gauge("app.queue.delta", -2, true, tags()...),
		obs("app.request.duration", 0.25, tags("route", "/api")...),
		obs("app.payload.bytes", 512, tags()...),
		obs("app.latency", 9.5, tags("region", "eu-west-1")...),
		ctr("app.stamped", 1, tags()...),
		gauge("app.last", 1, false, tags()...),
	}
	for _, mode := range []string{"udp", "tcp", "udp-datadog"} {
		t.Run(mode, func(t *testing.T) {
			proto, datadog, _ := strings.Cut(mode, "-")
			r := start(t, loopbackConfig(), newFakeAppender())
			addr := r.addrs.UDP.String()
			if proto == "tcp" {
				addr = r.addrs.TCP.String()
			}
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "hotshots.js"), proto, host, port, datadog)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			for _, k := range []string{"DD_AGENT_HOST", "DD_DOGSTATSD_PORT", "DD_ENTITY_ID", "DD_ENV", "DD_SERVICE", "DD_VERSION", "DD_TAGS", "DD_DOGSTATSD_URL"} {
				cmd.Env = append(cmd.Env, k+"=")
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("node hotshots.js: %v\n%s", err, out)
			}
			got := r.app.wait(t, len(want))
			for i := range got {
				got[i].Labels = got[i].Labels.Sort()
			}
			want := cloneRecs(want)
			for i := range want {
				if datadog != "" {
					want[i].Labels = append(want[i].Labels, normalize.Label{Name: "container_id", Value: "abc123"})
				}
				want[i].Labels = want[i].Labels.Sort()
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records from hot-shots (-want +got):\n%s", diff)
			}
			if err := r.stop(); err != nil {
				t.Fatal(err)
			}
			m := r.d.m
			for name, c := range map[string]struct {
				got  float64
				want float64
			}{
				// "app.users:alice|s": a set member is not a number.
				"malformed_value (set)": {testutil.ToFloat64(m.errors[errMalformedValue]), 1},
				"dogstatsd_event":       {testutil.ToFloat64(m.drops[dropEvent]), 1},
				// datadog mode's "|card:low" is ignored, not an error
				"malformed_container_id":  {testutil.ToFloat64(m.errors[errMalformedContainerID]), 0},
				"invalid_sample_factor":   {testutil.ToFloat64(m.errors[errInvalidSampleFactor]), 0},
				"dogstatsd_service_check": {testutil.ToFloat64(m.drops[dropServiceCheck]), 1},
			} {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", name, c.got, c.want)
				}
			}
		})
	}
}
