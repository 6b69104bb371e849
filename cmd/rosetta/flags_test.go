package main

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStatsdFlagsConfig: each --statsd.* flag given sets its key of the
// default StatsD input's config block, as the flag's type; the flags not
// given, and those that set no key (the mapping file, the cache size, the
// ones accepted for compatibility), leave the input's own defaults.
func TestStatsdFlagsConfig(t *testing.T) {
	cases := []struct {
		args []string
		want map[string]any
	}{
		{nil, map[string]any{}},
		{[]string{"--statsd.mapping-config=m.yml", "--statsd.cache-size=10", "--statsd.cache-type=random",
			"--statsd.event-queue-size=1", "--statsd.event-flush-threshold=2", "--statsd.event-flush-interval=1s", "--debug.dump-fsm=f"}, map[string]any{}},
		{[]string{"--statsd.relay.packet-length=512"}, map[string]any{"relay": map[string]any{"packet_length": uint(512)}}},
		{[]string{
			"--statsd.listen-udp=:1", "--statsd.listen-tcp=", "--statsd.listen-unixgram=/s", "--statsd.unixsocket-mode=700",
			"--statsd.read-buffer=8192", "--statsd.udp-packet-queue-size=5",
			"--no-statsd.parse-dogstatsd-tags", "--statsd.parse-influxdb-tags", "--no-statsd.parse-librato-tags", "--no-statsd.parse-signalfx-tags",
			"--statsd.relay.address=127.0.0.1:9", "--statsd.relay.packet-length=512",
		}, map[string]any{
			"listen_udp": ":1", "listen_tcp": "", "listen_unixgram": "/s", "unixsocket_mode": "700",
			"read_buffer": 8192, "udp_packet_queue_size": 5,
			"parse_dogstatsd_tags": false, "parse_influxdb_tags": true, "parse_librato_tags": false, "parse_signalfx_tags": false,
			"relay": map[string]any{"address": "127.0.0.1:9", "packet_length": uint(512)},
		}},
	}
	for _, tc := range cases {
		c := newCLI(&bytes.Buffer{}, &bytes.Buffer{})
		if _, err := c.app.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		s := &c.runFlags.statsd
		if got := s.defaultStatsdConfig(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: config %#v\nwant %#v", tc.args, got, tc.want)
		}
		set := s.anySet()
		slices.Sort(set)
		var want []string
		for _, a := range tc.args {
			name, _, _ := strings.Cut(a, "=")
			want = append(want, strings.Replace(name, "--no-", "--", 1))
		}
		slices.Sort(want)
		if !slices.Equal(set, want) {
			t.Errorf("%v: set %q, want %q", tc.args, set, want)
		}
	}
}

// TestStatsdFlagDefaults pins each statsd_exporter flag's default (those of
// statsd_exporter v0.31.0's main.go), and that every config key the flags
// set is one the StatsD input accepts.
func TestStatsdFlagDefaults(t *testing.T) {
	c := newCLI(&bytes.Buffer{}, &bytes.Buffer{})
	if _, err := c.app.Parse(nil); err != nil {
		t.Fatal(err)
	}
	got := c.runFlags.statsd
	got.set = nil
	want := statsdFlags{
		listenUDP: ":9125", listenTCP: ":9125", unixSocketMode: "755",
		udpPacketQueueSize: 10000, parseDogstatsd: true, parseInflux: true, parseLibrato: true, parseSignalFX: true,
		cacheSize: 1000, cacheType: "lru", eventQueueSize: 10000, eventFlushThreshold: 1000,
		eventFlushInterval: 200 * time.Millisecond, relayPacketLength: 1400,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults %+v\nwant %+v", got, want)
	}

	c = newCLI(&bytes.Buffer{}, &bytes.Buffer{})
	args := []string{"--statsd.listen-udp=127.0.0.1:0", "--statsd.listen-tcp=127.0.0.1:0", "--statsd.listen-unixgram=/tmp/x.sock",
		"--statsd.unixsocket-mode=700", "--statsd.read-buffer=8192", "--statsd.udp-packet-queue-size=5",
		"--no-statsd.parse-dogstatsd-tags", "--no-statsd.parse-influxdb-tags", "--no-statsd.parse-librato-tags", "--no-statsd.parse-signalfx-tags",
		"--statsd.relay.address=127.0.0.1:9", "--statsd.relay.packet-length=512"}
	if _, err := c.app.Parse(args); err != nil {
		t.Fatal(err)
	}
	if n := len(c.runFlags.statsd.defaultStatsdConfig()); n != 11 {
		t.Errorf("%d config keys, want 11", n)
	}
	reg, err := newInputRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(c.runFlags, reg, nil); err != nil {
		t.Errorf("the config the flags set is refused: %v", err)
	}
}
