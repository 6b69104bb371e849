package kv

import (
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Redis returns the parser of Redis INFO output.
//
// Match strings:
//   - "key: value" with a number: the key (connected_clients);
//   - with a string: the key, value 1, the string in a label named after
//     the key (role="master");
//   - "dbN:keys=1,expires=0,avg_ttl=0": keyspace.keys, keyspace.expires,
//     ... with label db="db0";
//   - "cmdstat_get:calls=2,usec=15,...": cmdstat.calls, cmdstat.usec, ...
//     with label cmd="get"; errorstat_ERR:count=1: errorstat.count with
//     label error="ERR"; latency_percentiles_usec_get:p50=1,p99.9=2:
//     latency_percentiles_usec with labels cmd="get", percentile="50" and
//     "99.9";
//   - other "key:k=v,..." lines (slave0:ip=..,port=..,state=..,offset=..):
//     key-without-digits.field (slave.offset) with a label for the index
//     (slave="0") and the string fields (and ip, port) as labels.
func Redis() parsing.Parser { return parsing.ParserFunc(parseRedis) }

// redisCounters are INFO fields that only grow.
var redisCounters = map[string]bool{
	"total_connections_received": true, "total_commands_processed": true, "total_net_input_bytes": true,
	"total_net_output_bytes": true, "total_net_repl_input_bytes": true, "total_net_repl_output_bytes": true,
	"rejected_connections": true, "sync_full": true, "sync_partial_ok": true, "sync_partial_err": true,
	"expired_keys": true, "expired_stale_perc": false, "expired_time_cap_reached_count": true, "evicted_keys": true,
	"evicted_clients": true, "keyspace_hits": true, "keyspace_misses": true, "total_forks": true,
	"total_error_replies": true, "total_reads_processed": true, "total_writes_processed": true,
	"io_threaded_reads_processed": true, "io_threaded_writes_processed": true, "unexpected_error_replies": true,
	"dump_payload_sanitizations": true, "total_eviction_exceeded_time": true, "total_active_defrag_time": true,
	"used_cpu_sys": true, "used_cpu_user": true, "used_cpu_sys_children": true, "used_cpu_user_children": true,
	"used_cpu_sys_main_thread": true, "used_cpu_user_main_thread": true, "expire_cycle_cpu_milliseconds": true,
	"active_defrag_hits": true, "active_defrag_misses": true, "active_defrag_key_hits": true, "active_defrag_key_misses": true,
	"acl_access_denied_auth": true, "acl_access_denied_cmd": true, "acl_access_denied_key": true, "acl_access_denied_channel": true,
	"rdb_saves": true, "client_query_buffer_limit_disconnections": true, "client_output_buffer_limit_disconnections": true,
	"reply_buffer_shrinks": true, "reply_buffer_expands": true, "stat_reply_buffer_shrinks": true, "stat_reply_buffer_expands": true,
}

// redisGroups are the INFO keys whose k=v fields are grouped, with the
// label the key's suffix goes to.
var redisGroups = []struct{ prefix, group, label string }{
	{"cmdstat_", "cmdstat", "cmd"},
	{"errorstat_", "errorstat", "error"},
	{"latency_percentiles_usec_", "latency_percentiles_usec", "cmd"},
}

func parseRedis(body []byte, emit func(normalize.Record)) error {
	n := 0
	for ln, line := range lines(body) {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue // a section header
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok || key == "" {
			return parsing.Errorf("invalid_body", "line %d: %q is not \"key:value\" (not Redis INFO output?)", ln+1, clip(line))
		}
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			t := normalize.TypeGauge
			if redisCounters[key] {
				t = normalize.TypeCounter
			}
			emit(normalize.Record{Match: key, Value: f, Type: t})
			n++
			continue
		}
		if strings.Contains(val, "=") {
			n += redisFields(key, val, emit)
			continue
		}
		// A string: an info-style record.
		emit(normalize.Record{Match: key, Labels: normalize.Labels{{Name: labelName(key), Value: val}}, Value: 1, Type: normalize.TypeGauge})
		n++
	}
	if n == 0 {
		return parsing.Errorf("invalid_body", "no statistics in %d bytes (not Redis INFO output?)", len(body))
	}
	return nil
}

// redisFields emits the records of a "key:k=v,k=v" line.
func redisFields(key, val string, emit func(normalize.Record)) int {
	group, labels := "", normalize.Labels(nil)
	for _, g := range redisGroups {
		if rest, ok := strings.CutPrefix(key, g.prefix); ok {
			group = g.group
			labels = append(labels, normalize.Label{Name: g.label, Value: rest})
			break
		}
	}
	if group == "" {
		// dbN, slaveN, ...: the name without its digits, the index as a
		// label ("keyspace" for the databases, as redis_exporter says).
		base := strings.TrimRight(key, "0123456789")
		switch {
		case base == "db" && base != key:
			group = "keyspace"
			labels = append(labels, normalize.Label{Name: "db", Value: key})
		case base != key && base != "":
			group = base
			labels = append(labels, normalize.Label{Name: base, Value: key[len(base):]})
		default:
			group = key
		}
	}
	type field struct {
		name string
		v    float64
	}
	var nums []field
	for kv := range strings.SplitSeq(val, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || k == "ip" || k == "port" {
			labels = append(labels, normalize.Label{Name: labelName(k), Value: v})
			continue
		}
		nums = append(nums, field{k, f})
	}
	for _, f := range nums {
		t := normalize.TypeGauge
		switch {
		case group == "cmdstat" && f.name != "usec_per_call":
			t = normalize.TypeCounter
		case group == "errorstat":
			t = normalize.TypeCounter
		}
		// Each record gets its own copy of the labels.
		ls := append(normalize.Labels(nil), labels...)
		match := group + "." + f.name
		if group == "latency_percentiles_usec" {
			if p, ok := strings.CutPrefix(f.name, "p"); ok {
				match = group
				ls = append(ls, normalize.Label{Name: "percentile", Value: p})
			}
		}
		emit(normalize.Record{Match: match, Labels: ls, Value: f.v, Type: t})
	}
	return len(nums)
}
