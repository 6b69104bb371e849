package benchenv

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Get reads url's body with client; a status other than 200 is an error
// that names the URL and the status and quotes the body's start.
func Get(client *http.Client, url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(b[:min(200, len(b))]))
	}
	return b, nil
}

// WaitUp asks url with client every 50 ms until it answers 200 (Get); when
// timeout passes first, the error is the last answer's.
func WaitUp(client *http.Client, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := Get(client, url)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not up after %s: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Save writes url's body (Get) to file: a profile, a heap dump.
func Save(client *http.Client, url, file string) error {
	b, err := Get(client, url)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o600)
}

// Scrape reads url's text exposition with client (Get: a status other than
// 200 is an error): its metric families by name.
func Scrape(client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	b, err := Get(client, url)
	if err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return mfs, nil
}

// Families scrapes url with client (Scrape): each family's counter, gauge
// and untyped values summed over its series, by family name. A family of
// one series (a self-metric of one input or target) is that series' value.
func Families(client *http.Client, url string) (map[string]float64, error) {
	mfs, err := Scrape(client, url)
	if err != nil {
		return nil, err
	}
	return sumFamilies(mfs), nil
}

// FamilyValue is one family's value as Families gives it, an error when
// url has no such family.
func FamilyValue(client *http.Client, url, name string) (float64, error) {
	f, err := Families(client, url)
	if err != nil {
		return 0, err
	}
	return field(f, name, url)
}

func sumFamilies(mfs map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				out[name] += m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name] += m.GetGauge().GetValue()
			case m.Untyped != nil:
				out[name] += m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

// Serve serves h on a free 127.0.0.1 port in this process until the
// server is closed, and is the server and its address.
func Serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed at Close
	return srv, ln.Addr().String(), nil
}
