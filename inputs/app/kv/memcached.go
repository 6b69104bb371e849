package kv

import (
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Memcached returns the parser of memcached's `stats` output ("STAT name
// value" lines, up to "END"). The match string is the stat's name; slab
// and item stats ("STAT 1:chunk_size 96", "STAT items:1:number 5") become
// slab.chunk_size, items.number with label slab="1". A string value (the
// version) becomes a record of value 1 with the string in a label named
// after the stat.
func Memcached() parsing.Parser { return parsing.ParserFunc(parseMemcached) }

// memcachedGauges are the stats that go up and down; the other numeric
// ones count.
var memcachedGauges = map[string]bool{
	"pid": true, "uptime": true, "time": true, "pointer_size": true, "rusage_user": false, "rusage_system": false,
	"max_connections": true, "curr_connections": true, "connection_structures": true, "response_obj_oom": false,
	"response_obj_count": true, "response_obj_bytes": true, "read_buf_count": true, "read_buf_bytes": true,
	"read_buf_bytes_free": true, "curr_items": true, "bytes": true, "limit_maxbytes": true, "threads": true,
	"conn_yields": false, "hash_power_level": true, "hash_bytes": true, "hash_is_expanding": true,
	"slab_reassign_running": true, "slabs_moved": false, "lru_crawler_running": true, "lru_maintainer_juggles": false,
	"malloc_fails": false, "log_worker_dropped": false, "accepting_conns": true, "reserved_fds": true,
	"slab_global_page_pool": true, "lru_bumps_dropped": false, "total_malloced": true, "active_slabs": true,
	"round_robin_fallback": false, "unexpected_napi_ids": false,
	// per slab
	"chunk_size": true, "chunks_per_page": true, "total_pages": true, "total_chunks": true, "used_chunks": true,
	"free_chunks": true, "free_chunks_end": true, "mem_requested": true,
	// per item class
	"number": true, "number_hot": true, "number_warm": true, "number_cold": true, "age_hot": true, "age_warm": true, "age": true, "mem_requested_items": true,
}

func parseMemcached(body []byte, emit func(normalize.Record)) error {
	n := 0
	for ln, line := range lines(body) {
		line = strings.TrimRight(line, "\r")
		if line == "" || line == "END" {
			continue
		}
		rest, ok := strings.CutPrefix(line, "STAT ")
		name, val, ok2 := strings.Cut(rest, " ")
		if !ok || !ok2 || name == "" {
			return parsing.Errorf("invalid_body", "line %d: %q is not \"STAT name value\" (not memcached stats output?)", ln+1, clip(line))
		}
		var labels normalize.Labels
		match := name
		if i := strings.LastIndexByte(name, ':'); i > 0 {
			// "1:chunk_size" (stats slabs) or "items:1:number" (stats items).
			head, stat := name[:i], name[i+1:]
			if stat == "" {
				// "STAT 1: 5": no stat name to match or label by.
				return parsing.Errorf("invalid_body", "line %d: %q has no statistic name after %q", ln+1, clip(line), head+":")
			}
			group := "slab"
			if g, id, ok := strings.Cut(head, ":"); ok {
				group, head = g, id
			}
			match = group + "." + stat
			labels = normalize.Labels{{Name: "slab", Value: head}}
			name = stat
		}
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			t := normalize.TypeCounter
			if memcachedGauges[name] {
				t = normalize.TypeGauge
			}
			emit(normalize.Record{Match: match, Labels: labels, Value: f, Type: t})
		} else if sec, usec, ok := strings.Cut(val, ":"); ok && isDigits(sec) && isDigits(usec) {
			// rusage_user 0:123456 in old versions: seconds:microseconds.
			s, _ := strconv.ParseFloat(sec, 64)
			u, _ := strconv.ParseFloat(usec, 64)
			emit(normalize.Record{Match: match, Labels: labels, Value: s + u/1e6, Type: normalize.TypeCounter})
		} else {
			emit(normalize.Record{Match: match, Labels: append(labels, normalize.Label{Name: labelName(name), Value: val}), Value: 1, Type: normalize.TypeGauge})
		}
		n++
	}
	if n == 0 {
		return parsing.Errorf("invalid_body", "no statistics in %d bytes (not memcached stats output?)", len(body))
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
