package outputs

import (
	"math"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Validation: samples that are not valid Prometheus data (names, labels,
// values, distributions) are dropped and counted by reason before they
// reach a series.

// Invalid-sample reasons, the values of
// rosetta_store_invalid_samples_total{reason}.
const (
	InvalidMetricName      = "invalid_metric_name"
	InvalidLabelName       = "invalid_label_name"
	InvalidLabelValue      = "invalid_label_value"
	InvalidDuplicateLabel  = "duplicate_label"
	InvalidNegativeCounter = "negative_counter_delta"
	InvalidMissingDist     = "missing_distribution"
	InvalidUnknownType     = "unknown_type"
	InvalidUnknownObserver = "unknown_observer"
	InvalidDistribution    = "invalid_distribution" // bucket bounds not ascending, quantiles outside [0, 1] or not ascending
)

func checkValue(k kind, smp *normalize.Sample) string {
	switch k {
	case kindCounter:
		// NaN and +Inf increments are added and observations of any
		// value are made, as client_golang's counters, histograms and
		// summaries take them (statsd_exporter serves the result).
		if smp.Delta && smp.Value < 0 {
			return InvalidNegativeCounter
		}
	case kindDistHistogram, kindDistSummary:
		if !validDist(smp.Dist) {
			return InvalidDistribution
		}
	}
	return ""
}

// validDist checks that bucket bounds ascend and quantiles are in [0, 1].
func validDist(d *normalize.Distribution) bool {
	for i, b := range d.Buckets {
		if math.IsNaN(b.UpperBound) || i > 0 && b.UpperBound <= d.Buckets[i-1].UpperBound {
			return false
		}
	}
	for i, q := range d.Quantiles {
		if !(q.Quantile >= 0 && q.Quantile <= 1) || i > 0 && q.Quantile <= d.Quantiles[i-1].Quantile {
			return false
		}
	}
	return true
}

// validate checks a new series' name and labels.
func (s *Store) validate(smp *normalize.Sample) string {
	if !model.LegacyValidation.IsValidMetricName(smp.Name) {
		return InvalidMetricName
	}
	for i, l := range smp.Labels {
		if !model.LegacyValidation.IsValidLabelName(l.Name) || strings.HasPrefix(l.Name, "__") {
			return InvalidLabelName
		}
		if i > 0 && smp.Labels[i-1].Name >= l.Name {
			return InvalidDuplicateLabel // also catches unsorted labels
		}
		if !model.LabelValue(l.Value).IsValid() {
			return InvalidLabelValue
		}
	}
	return ""
}

func reservedLabel(typ dto.MetricType, ls normalize.Labels) string {
	var reserved string
	switch typ {
	case dto.MetricType_HISTOGRAM:
		reserved = model.BucketLabel
	case dto.MetricType_SUMMARY:
		reserved = model.QuantileLabel
	default:
		return ""
	}
	for _, l := range ls {
		if l.Name == reserved {
			return ReasonReservedLabel
		}
	}
	return ""
}
