package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/version"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// fetcher reads one target's body into buf (reset by the caller) and
// returns the body's content type when it has one.
type fetcher interface {
	fetch(ctx context.Context, target string, buf *bytes.Buffer) (contentType string, err error)
	close()
}

// httpFetcher fetches over HTTP(S) with prometheus/common's client.
type httpFetcher struct {
	client  *http.Client
	opts    *HTTPOptions
	accept  string
	maxBody int64
	// validStatus, when set, are the statuses accepted instead of 2xx
	// (a json_exporter module's valid_status_codes).
	validStatus []int
	// body, when set, renders the request body for a target (a
	// json_exporter module's body) instead of opts.Body.
	body func(target string) string
}

func newHTTPFetcher(name string, opts *HTTPOptions, accept string, maxBody int64) (*httpFetcher, error) {
	client, err := promcfg.NewClientFromConfig(opts.Client, "rosetta_"+name)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return &httpFetcher{client: client, opts: opts, accept: accept, maxBody: maxBody}, nil
}

func (f *httpFetcher) close() { f.client.CloseIdleConnections() }

// request builds the request to target.
func (f *httpFetcher) request(ctx context.Context, target string) (*http.Request, error) {
	text := f.opts.Body
	if f.body != nil {
		text = f.body(target)
	}
	var body io.Reader
	if text != "" {
		body = strings.NewReader(text)
	}
	req, err := http.NewRequestWithContext(ctx, f.opts.Method, target, body)
	if err != nil {
		return nil, parsing.Errorf("request", "building request: %w", err)
	}
	req.Header.Set("User-Agent", "rosetta/"+version.Version)
	if f.accept != "" {
		req.Header.Set("Accept", f.accept)
	}
	for k, v := range f.opts.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

func (f *httpFetcher) fetch(ctx context.Context, target string, buf *bytes.Buffer) (string, error) {
	req, err := f.request(ctx, target)
	if err != nil {
		return "", err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", classify(err)
	}
	defer func() {
		// Drain a little so the connection can be reused; the rest is cut.
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		_ = resp.Body.Close()
	}()
	if ok := slices.Contains(f.validStatus, resp.StatusCode); !ok && (len(f.validStatus) > 0 || resp.StatusCode < 200 || resp.StatusCode > 299) {
		return "", parsing.Errorf("http_status", "%s %s: HTTP status %s", f.opts.Method, redact(target), resp.Status)
	}
	if resp.ContentLength > f.maxBody {
		return "", tooLarge(f.maxBody)
	}
	if err := readLimited(buf, resp.Body, f.maxBody); err != nil {
		return "", err
	}
	return resp.Header.Get("Content-Type"), nil
}

// readLimited reads r into buf, failing when it holds more than max bytes
// (none with NoBodyLimit).
func readLimited(buf *bytes.Buffer, r io.Reader, max int64) error {
	if max < int64(NoBodyLimit) {
		r = io.LimitReader(r, max+1)
	}
	n, err := buf.ReadFrom(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return parsing.Errorf("truncated", "body truncated after %d bytes: %w", n, err)
		}
		return classify(fmt.Errorf("reading body: %w", err))
	}
	if n > max {
		return tooLarge(max)
	}
	return nil
}

func tooLarge(max int64) error {
	return parsing.Errorf("body_too_large", "body larger than max_body_size (%s)", ByteSize(max))
}

// redact hides a password in a URL for messages and labels.
func redact(target string) string { return inputs.RedactURL(target) }

// Request returns the method and body of the HTTP request an input of an
// HTTP type (cfg) sends to target, built as a poll builds it: the
// comparison of a json_exporter module's rendered body with what
// json_exporter sent (inputs/app/jsonoracle).
func Request(cfg inputs.Config, target string) (method, body string, err error) {
	c, ok := cfg.(typeConfig)
	if !ok {
		return "", "", fmt.Errorf("config is %T", cfg)
	}
	fe, err := c.newFetcher("request")
	if err != nil {
		return "", "", err
	}
	defer fe.close()
	hf, ok := fe.(*httpFetcher)
	if !ok {
		return "", "", fmt.Errorf("%T does not fetch over HTTP", cfg)
	}
	req, err := hf.request(context.Background(), target)
	if err != nil {
		return "", "", err
	}
	var b []byte
	if req.Body != nil {
		if b, err = io.ReadAll(req.Body); err != nil {
			return "", "", err
		}
	}
	return req.Method, string(b), nil
}
