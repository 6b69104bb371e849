// Package outputs holds Rosetta's series store and its web side.
//
// The Store implements normalize.Sink: it keeps one series per metric name
// and label set, sums counter deltas, sets absolute readings, fills
// histograms and summaries from observations, expires idle series after their
// TTL, enforces a global and per-rule series budget and drops (and counts)
// samples that would make /metrics inconsistent. It is a prometheus.Gatherer
// that builds the metric families directly.
//
// Web serves /metrics with exporter-toolkit's web server (TLS and basic
// auth via --web.config.file): the text and OpenMetrics formats rendered
// straight from the store's series (expose.go, text.go), byte for byte as
// promhttp would encode Gather's families, and protobuf through promhttp;
// beside it a landing page and the lifecycle endpoints /-/healthy, /-/ready
// and POST /-/reload.
package outputs
