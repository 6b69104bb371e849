package statsd

// Reasons and counts: why a line, sample or tag was rejected (the
// reason label of rosetta_input_errors_total) or good data dropped
// (rosetta_input_dropped_total), and a parser's counts of both.

// reason is why a line, sample or tag was rejected; it is the value of the
// reason label of rosetta_input_errors_total. The names are
// statsd_exporter's sample_errors reasons where it has one.
type reason uint8

const (
	errMalformedLine reason = iota
	errInvalidUTF8
	errMixedTaggingStyles
	errNotEnoughParts
	errInvalidExtendedAggregate
	errMalformedComponent
	errMalformedValue
	errInvalidSampleFactor
	errMalformedContainerID
	errIllegalEvent
	errMalformedTag
	errLineTooLong
	errPacketTruncated
	numReasons
)

var reasonNames = [numReasons]string{
	errMalformedLine:            "malformed_line",
	errInvalidUTF8:              "invalid_utf8",
	errMixedTaggingStyles:       "mixed_tagging_styles",
	errNotEnoughParts:           "not_enough_parts_after_colon",
	errInvalidExtendedAggregate: "invalid_extended_aggregate_type",
	errMalformedComponent:       "malformed_component",
	errMalformedValue:           "malformed_value",
	errInvalidSampleFactor:      "invalid_sample_factor",
	errMalformedContainerID:     "malformed_container_id",
	errIllegalEvent:             "illegal_event",
	errMalformedTag:             "malformed_tag",
	errLineTooLong:              "line_too_long",
	errPacketTruncated:          "packet_truncated",
}

// drop is why good data was not turned into records; it is the value of the
// reason label of rosetta_input_dropped_total.
type drop uint8

const (
	dropQueueFull drop = iota
	dropEvent
	dropServiceCheck
	dropRepeatLimit
	dropConnectionLimit
	dropNameTooLong
	dropLabelValueTooLong
	dropQueueBytes
	dropTCPIdle
	numDrops
)

var dropNames = [numDrops]string{
	dropQueueFull:         "queue_full",
	dropEvent:             "dogstatsd_event",
	dropServiceCheck:      "dogstatsd_service_check",
	dropRepeatLimit:       "sample_rate_repeat_limit",
	dropConnectionLimit:   "tcp_connection_limit",
	dropNameTooLong:       "name_too_long",
	dropLabelValueTooLong: "label_value_too_long",
	dropQueueBytes:        "queue_bytes_full",
	dropTCPIdle:           "tcp_idle_timeout",
}

// stats are a parser's counts since its last flush into the self-metrics;
// a parser belongs to one goroutine, so counting is plain arithmetic.
type stats struct {
	lines   uint64 // lines seen (statsd_exporter_lines_total)
	samples uint64 // samples parsed (statsd_exporter_samples_total)
	tags    uint64 // samples that carried tags (statsd_exporter_tags_total)
	records uint64 // records emitted
	errors  [numReasons]uint64
	drops   [numDrops]uint64
	// peer are what statsd_exporter counts and Rosetta does not: the
	// samples, tags and errors it finds in DogStatsD events and service
	// checks, which it parses as metric lines (countLikePeer).
	peer peerStats
}

// peerStats are counts of statsd_exporter's that Rosetta's own leave out.
type peerStats struct {
	samples, tags uint64
	errors        [numReasons]uint64
}

// add adds o's counts to st's.
func (st *stats) add(o *stats) {
	st.lines += o.lines
	st.samples += o.samples
	st.tags += o.tags
	st.records += o.records
	for i, n := range o.errors {
		st.errors[i] += n
	}
	for i, n := range o.drops {
		st.drops[i] += n
	}
	st.peer.samples += o.peer.samples
	st.peer.tags += o.peer.tags
	for i, n := range o.peer.errors {
		st.peer.errors[i] += n
	}
}

// problems sums the errors and the drops counted so far.
func (st *stats) problems() (errs, drops uint64) {
	for _, n := range st.errors {
		errs += n
	}
	for _, n := range st.drops {
		drops += n
	}
	return errs, drops
}
