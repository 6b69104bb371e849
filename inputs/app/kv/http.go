package kv

import (
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Nginx returns the parser of nginx's stub_status page:
//
//	Active connections: 2
//	server accepts handled requests
//	 16630948 16630948 31070465
//	Reading: 0 Writing: 6 Waiting: 179
//
// Match strings: active, accepts, handled, requests (counters), reading,
// writing, waiting.
func Nginx() parsing.Parser { return parsing.ParserFunc(parseNginx) }

func parseNginx(body []byte, emit func(normalize.Record)) error {
	var ls []string
	for _, l := range lines(body) {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	bad := func(why string) error {
		return parsing.Errorf("invalid_body", "not an nginx stub_status page: %s", why)
	}
	if len(ls) != 4 {
		return bad("want 4 lines, got " + strconv.Itoa(len(ls)))
	}
	active, ok := strings.CutPrefix(ls[0], "Active connections:")
	if !ok {
		return bad("line 1 is not \"Active connections: N\"")
	}
	a, err := strconv.ParseFloat(strings.TrimSpace(active), 64)
	if err != nil {
		return bad("line 1: " + err.Error())
	}
	if strings.Join(strings.Fields(ls[1]), " ") != "server accepts handled requests" {
		return bad("line 2 is not \"server accepts handled requests\"")
	}
	nums := strings.Fields(ls[2])
	if len(nums) != 3 {
		return bad("line 3 has not 3 numbers")
	}
	var vals [3]float64
	for i, s := range nums {
		if vals[i], err = strconv.ParseFloat(s, 64); err != nil {
			return bad("line 3: " + err.Error())
		}
	}
	f := strings.Fields(ls[3])
	if len(f) != 6 || f[0] != "Reading:" || f[2] != "Writing:" || f[4] != "Waiting:" {
		return bad("line 4 is not \"Reading: N Writing: N Waiting: N\"")
	}
	var states [3]float64
	for i := range states {
		if states[i], err = strconv.ParseFloat(f[2*i+1], 64); err != nil {
			return bad("line 4: " + err.Error())
		}
	}
	emit(normalize.Record{Match: "active", Value: a, Type: normalize.TypeGauge})
	for i, n := range []string{"accepts", "handled", "requests"} {
		emit(normalize.Record{Match: n, Value: vals[i], Type: normalize.TypeCounter})
	}
	for i, n := range []string{"reading", "writing", "waiting"} {
		emit(normalize.Record{Match: n, Value: states[i], Type: normalize.TypeGauge})
	}
	return nil
}

// Apache returns the parser of Apache httpd's mod_status machine-readable
// page (/server-status?auto): "Key: value" lines. The match string is the
// key with spaces as '_' (Total_Accesses, BusyWorkers, CPULoad); the
// Scoreboard line becomes one scoreboard record per worker state with label
// state (waiting, starting, reading, sending, keepalive, dnslookup,
// closing, logging, graceful_finishing, idle_cleanup, open_slot); other
// strings (ServerVersion, ServerMPM) a record of value 1 with the string in
// a label named after the key.
func Apache() parsing.Parser { return parsing.ParserFunc(parseApache) }

var apacheScoreboard = []struct {
	c     byte
	state string
}{
	{'_', "waiting"}, {'S', "starting"}, {'R', "reading"}, {'W', "sending"}, {'K', "keepalive"},
	{'D', "dnslookup"}, {'C', "closing"}, {'L', "logging"}, {'G', "graceful_finishing"},
	{'I', "idle_cleanup"}, {'.', "open_slot"},
}

var apacheCounters = map[string]bool{"Total_Accesses": true, "Total_kBytes": true, "Total_Duration": true, "CPUUser": true, "CPUSystem": true, "CPUChildrenUser": true, "CPUChildrenSystem": true}

func parseApache(body []byte, emit func(normalize.Record)) error {
	n := 0
	for ln, line := range lines(body) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			if ln == 0 { // the host name line of newer versions has no colon
				continue
			}
			return parsing.Errorf("invalid_body", "line %d: %q is not \"Key: value\" (not mod_status?auto output?)", ln+1, clip(line))
		}
		key := strings.ReplaceAll(strings.TrimSpace(k), " ", "_")
		v = strings.TrimSpace(v)
		if key == "Scoreboard" {
			for _, s := range apacheScoreboard {
				emit(normalize.Record{Match: "scoreboard", Labels: normalize.Labels{{Name: "state", Value: s.state}},
					Value: float64(strings.Count(v, string(s.c))), Type: normalize.TypeGauge})
			}
			n++
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			t := normalize.TypeGauge
			if apacheCounters[key] {
				t = normalize.TypeCounter
			}
			emit(normalize.Record{Match: key, Value: f, Type: t})
		} else {
			emit(normalize.Record{Match: key, Labels: normalize.Labels{{Name: normalize.SnakeCase(labelName(key)), Value: v}}, Value: 1, Type: normalize.TypeGauge})
		}
		n++
	}
	if n == 0 {
		return parsing.Errorf("invalid_body", "no statistics in %d bytes (not mod_status?auto output?)", len(body))
	}
	return nil
}
