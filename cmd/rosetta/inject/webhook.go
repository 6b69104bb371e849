package inject

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gomodules.xyz/jsonpatch/v2"

	"github.com/rosetta-adapter/rosetta/internal/selfmetric"
)

// maxReview bounds an AdmissionReview body (the API server sends at most
// a few MB for a pod).
const maxReview = 8 << 20

// Handler answers AdmissionReview (admission.k8s.io/v1) requests for pods.
// A pod is always admitted: when Rosetta cannot be added, the reason is
// logged, counted and returned as a warning, and the pod runs without it.
type Handler struct {
	opts     Options
	logger   *slog.Logger
	requests *prometheus.CounterVec
}

// Results of a review, the `result` label.
const (
	resultInjected = "injected"
	resultSkipped  = "skipped" // not asked, or injected already
	resultRefused  = "refused" // asked, but cannot be: bad annotation, a name or port taken
	resultInvalid  = "invalid" // not a pod CREATE review the handler can read
)

// NewHandler returns a Handler; its self-metrics are registered with reg.
func NewHandler(o Options, logger *slog.Logger, reg prometheus.Registerer) *Handler {
	h := &Handler{opts: o, logger: logger, requests: selfmetric.With(reg).CounterVec("rosetta_inject_reviews_total",
		"Admission reviews answered, by result: injected, skipped (not asked or injected already), refused (asked, cannot be: the reason is logged), invalid.",
		"result")}
	for _, r := range []string{resultInjected, resultSkipped, resultRefused, resultInvalid} {
		h.requests.WithLabelValues(r)
	}
	return h
}

// NewServeMux routes the webhook's port: POST /mutate (a Handler),
// /metrics (its reviews, the Go runtime's and the process's metrics, in a
// registry of its own) and /healthz.
func NewServeMux(o Options, logger *slog.Logger) *http.ServeMux {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/mutate", NewHandler(o, logger.With("component", "inject"), reg))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	return mux
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReview+1))
	if err != nil || len(body) > maxReview {
		h.requests.WithLabelValues(resultInvalid).Inc()
		http.Error(w, "request body unreadable or too large", http.StatusRequestEntityTooLarge)
		return
	}
	var review admissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		h.requests.WithLabelValues(resultInvalid).Inc()
		h.logger.Warn("not an AdmissionReview", "err", err)
		http.Error(w, "not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	resp := h.review(review.Request)
	out := admissionReview{APIVersion: review.APIVersion, Kind: review.Kind, Response: resp}
	if out.APIVersion == "" {
		out.APIVersion, out.Kind = "admission.k8s.io/v1", "AdmissionReview"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// review decides on one request; the pod is always allowed.
func (h *Handler) review(req *admissionRequest) *admissionResponse {
	resp := &admissionResponse{UID: req.UID, Allowed: true}
	log := h.logger.With("uid", req.UID, "namespace", req.Namespace, "name", req.Name)
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" || req.Operation != opCreate {
		h.requests.WithLabelValues(resultSkipped).Inc()
		return resp
	}
	pod, err := ReadPod(req.Object)
	if err != nil {
		h.requests.WithLabelValues(resultInvalid).Inc()
		log.Warn("pod admitted without Rosetta: its object cannot be read", "err", err)
		resp.Warnings = []string{"rosetta: the pod could not be read: " + err.Error()}
		return resp
	}
	if pod.Metadata.Name == "" {
		log = log.With("generateName", pod.Metadata.GenerateName)
	}
	after, err := Mutate(pod, h.opts)
	if err != nil {
		h.requests.WithLabelValues(resultRefused).Inc()
		log.Warn("pod admitted without Rosetta", "reason", err)
		resp.Warnings = []string{"rosetta not injected: " + err.Error()}
		return resp
	}
	if after == nil {
		h.requests.WithLabelValues(resultSkipped).Inc()
		return resp
	}
	// The patch is the difference between the object as it came and the
	// object with Rosetta, which differ only in what is added.
	ops, err := jsonpatch.CreatePatch(req.Object, after)
	if err != nil {
		h.requests.WithLabelValues(resultInvalid).Inc()
		log.Error("pod admitted without Rosetta", "reason", fmt.Errorf("patch: %w", err))
		return resp
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		h.requests.WithLabelValues(resultInvalid).Inc()
		log.Error("pod admitted without Rosetta", "reason", err)
		return resp
	}
	pt := patchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	h.requests.WithLabelValues(resultInjected).Inc()
	log.Info("rosetta injected", "native_sidecar", h.opts.NativeSidecar)
	return resp
}

// certReloader serves the certificate in certFile/keyFile and reads them
// again when they change (cert-manager renews by rewriting the Secret the
// files are mounted from).
type certReloader struct {
	certFile, keyFile string
	mu                sync.Mutex
	cert              *tls.Certificate
	mod               time.Time
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.get(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) get() (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := os.Stat(c.certFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil
		}
		return nil, fmt.Errorf("the webhook certificate (--tls.cert-file): %w", err)
	}
	if c.cert != nil && !st.ModTime().After(c.mod) {
		return c.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil // keep serving the old one; a half-written pair is retried
		}
		return nil, fmt.Errorf("loading the webhook certificate: %w", err)
	}
	c.cert, c.mod = &cert, st.ModTime()
	return c.cert, nil
}

// TLSConfig returns a server TLS config serving certFile/keyFile, reloaded
// when they change.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("the webhook needs --tls.cert-file and --tls.key-file (the API server calls it over HTTPS)")
	}
	c, err := newCertReloader(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.get() },
	}, nil
}
