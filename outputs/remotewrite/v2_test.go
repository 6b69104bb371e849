package remotewrite

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"

	"github.com/rosetta-adapter/rosetta/outputs/remotewrite/rwtest"
)

// v2Store is a Remote-Write 2.0 receiver's storage behind client_golang's
// own handler (remote.NewWriteHandler: content negotiation, snappy, the
// written-samples headers): it keeps the last value of every series, its
// metadata, and answers with what it wrote.
type v2Store struct {
	mu     sync.Mutex
	values map[string]float64
	types  map[string]writev2.Metadata_MetricType
	help   map[string]string
	hists  int
}

func (s *v2Store) Store(req *http.Request, msgType remote.WriteMessageType) (*remote.WriteResponse, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var wr writev2.Request
	if err := proto.Unmarshal(body, &wr); err != nil {
		resp := remote.NewWriteResponse()
		resp.SetStatusCode(http.StatusBadRequest)
		return resp, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := remote.NewWriteResponse()
	for _, ts := range wr.Timeseries {
		ls := writev2.DesymbolizeLabels(ts.LabelsRefs, wr.Symbols, nil)
		m := model.Metric{}
		for i := 0; i+1 < len(ls); i += 2 {
			m[model.LabelName(ls[i])] = model.LabelValue(ls[i+1])
		}
		key := m.String()
		for _, smp := range ts.Samples {
			s.values[key] = smp.Value
			resp.Samples++
		}
		s.hists += len(ts.Histograms)
		resp.Histograms += len(ts.Histograms)
		if md := ts.Metadata; md != nil {
			s.types[string(m[model.MetricNameLabel])] = md.Type
			if int(md.HelpRef) < len(wr.Symbols) {
				s.help[string(m[model.MetricNameLabel])] = wr.Symbols[md.HelpRef]
			}
		}
	}
	return resp, nil
}

// TestRemoteWrite2 sends Remote-Write 2.0 to client_golang's receiver
// handler: every series and value equals the text exposition, each carries
// its family's type and help; to a receiver that only speaks 1.0 (the real
// Prometheus 2.42 here) the library sees that nothing was written and the
// samples count as failed instead of sent.
func TestRemoteWrite2(t *testing.T) {
	store := &v2Store{values: map[string]float64{}, types: map[string]writev2.Metadata_MetricType{}, help: map[string]string{}}
	srv := httptest.NewServer(remote.NewWriteHandler(store, remote.MessageTypes{remote.WriteV2MessageType}))
	t.Cleanup(srv.Close) // after the endpoints' flush: cleanups run last in, first out
	reg := prometheus.NewRegistry()
	testMetrics(reg)
	cfg := decodeOne(t, fmt.Sprintf(`
remote_write:
  - url: %s/api/v1/write
    interval: 50ms
    protobuf_message: io.prometheus.write.v2.Request
    send_native_histograms: true
    external_labels: {cluster: eu-1}
`, srv.URL))
	_, self := startManager(t, reg, cfg)
	want := expected(t, reg, model.LabelSet{"cluster": "eu-1"})
	eventually(t, 30*time.Second, "2.0 receiver has every series", func() (bool, string) {
		store.mu.Lock()
		defer store.mu.Unlock()
		if d := diff(want, store.values); d != "" {
			return false, d
		}
		return store.hists > 0, "no native histogram"
	})
	store.mu.Lock()
	for name, typ := range map[string]writev2.Metadata_MetricType{
		"rw_requests_total":         writev2.Metadata_METRIC_TYPE_COUNTER,
		"rw_temperature_celsius":    writev2.Metadata_METRIC_TYPE_GAUGE,
		"rw_latency_seconds_bucket": writev2.Metadata_METRIC_TYPE_HISTOGRAM,
		"rw_size_bytes_sum":         writev2.Metadata_METRIC_TYPE_SUMMARY,
		"rw_untyped":                writev2.Metadata_METRIC_TYPE_UNSPECIFIED,
	} {
		if store.types[name] != typ || store.help[name] != "x" {
			t.Errorf("%s: type %v help %q, want %v and the family's help", name, store.types[name], store.help[name], typ)
		}
	}
	store.mu.Unlock()
	if f := selfValue(t, self, "rosetta_remote_write_samples_total", map[string]string{"outcome": "failed"}); f != 0 {
		t.Errorf("%v samples failed", f)
	}

	// A 1.0-only receiver: the real Prometheus 2.42.
	prom := rwtest.Start(t, rwtest.Options{})
	cfg1 := decodeOne(t, fmt.Sprintf("remote_write:\n  - url: %s\n    interval: 1h\n    protobuf_message: io.prometheus.write.v2.Request\n", prom.WriteURL()))
	m1, self1 := startManager(t, reg, cfg1)
	m1.running[cfg1.Name].snapshot()
	eventually(t, 30*time.Second, "samples failed against a 1.0 receiver", func() (bool, string) {
		f := selfValue(t, self1, "rosetta_remote_write_samples_total", map[string]string{"outcome": "failed"})
		return f > 0, fmt.Sprint(f)
	})
	if s := selfValue(t, self1, "rosetta_remote_write_samples_total", map[string]string{"outcome": "sent"}); s != 0 {
		t.Errorf("%v samples counted as sent to a receiver that wrote none", s)
	}
}
