package main

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
)

// runFlags are the flags of `rosetta run`. The --statsd.* flags are
// statsd_exporter's, so that Rosetta can replace it without changing the
// command line; they adjust the embedded default config's StatsD input.
type runFlags struct {
	configFile    string
	telemetryPath string
	enableLife    bool
	checkConfig   bool
	pprof         bool
	releasePages  bool
	watchInterval time.Duration

	statsd statsdFlags
}

type statsdFlags struct {
	mappingConfig       string
	listenUDP           string
	listenTCP           string
	listenUnixgram      string
	unixSocketMode      string
	readBuffer          int
	udpPacketQueueSize  int
	parseDogstatsd      bool
	parseInflux         bool
	parseLibrato        bool
	parseSignalFX       bool
	cacheSize           int
	cacheType           string
	eventQueueSize      uint
	eventFlushThreshold int
	eventFlushInterval  time.Duration
	relayAddress        string
	relayPacketLength   uint
	dumpFSM             string

	// set records which flags the user gave, by flag name.
	set map[string]*bool
}

// register declares the flags on cmd (`rosetta run`).
func (f *runFlags) register(app *kingpin.CmdClause) {
	app.Flag("config.file", "Rosetta configuration file. Without it, an embedded default runs one StatsD input on :9125 (UDP and TCP), adjusted by the --statsd.* flags.").
		Default("").StringVar(&f.configFile)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.telemetryPath)
	app.Flag("web.enable-lifecycle", "Enable POST /-/reload (off by default, as in statsd_exporter; SIGHUP and config file watching always reload).").Default("false").BoolVar(&f.enableLife)
	app.Flag("check-config", "Check the configuration (as statsd_exporter's --check-config) and exit.").Default("false").BoolVar(&f.checkConfig)
	app.Flag("config.watch-interval", "How often to check the config and mapping files for changes (ConfigMap updates included) and reload; 0 disables watching.").
		Default("5s").DurationVar(&f.watchInterval)
	app.Flag("runtime.release-startup-pages", "Half a second after start-up and after each reload"+releasePagesHelp).
		Default("true").BoolVar(&f.releasePages)
	app.Flag("debug.pprof", "Serve Go profiling endpoints under /debug/pprof/ on the web port.").Default("false").BoolVar(&f.pprof)

	s := &f.statsd
	s.set = map[string]*bool{}
	for _, sf := range s.flags() {
		b := new(bool)
		s.set[sf.name] = b
		c := app.Flag(sf.name, sf.help).IsSetByUser(b).Default(sf.def)
		switch v := sf.value.(type) {
		case *string:
			c.StringVar(v)
		case oneOf:
			c.EnumVar(v.value, v.choices...)
		case *int:
			c.IntVar(v)
		case *uint:
			c.UintVar(v)
		case *bool:
			c.BoolVar(v)
		case *time.Duration:
			c.DurationVar(v)
		default:
			panic(fmt.Sprintf("flag %s: no kingpin value for %T", sf.name, v))
		}
	}
}

// statsdFlag is one of statsd_exporter's flags.
type statsdFlag struct {
	name string
	// key is the key of the default StatsD input's config block the flag
	// sets ("relay.address": address in its relay block); "" for the
	// flags that set none.
	key, def string
	// value is the statsdFlags field the flag sets: *string, oneOf, *int,
	// *uint, *bool or *time.Duration.
	value any
	help  string
}

// oneOf is a string flag that takes one of choices.
type oneOf struct {
	value   *string
	choices []string
}

// flags lists statsd_exporter's flags, in the order of --help.
func (s *statsdFlags) flags() []statsdFlag {
	return []statsdFlag{
		{"statsd.mapping-config", "", "", &s.mappingConfig, "statsd_exporter metric mapping file for the default StatsD input."},
		{"statsd.listen-udp", "listen_udp", ":9125", &s.listenUDP, `The UDP address on which to receive statsd metric lines. "" disables it.`},
		{"statsd.listen-tcp", "listen_tcp", ":9125", &s.listenTCP, `The TCP address on which to receive statsd metric lines. "" disables it.`},
		{"statsd.listen-unixgram", "listen_unixgram", "", &s.listenUnixgram, `The Unixgram socket path to receive statsd metric lines in datagram. "" disables it.`},
		{"statsd.unixsocket-mode", "unixsocket_mode", "755", &s.unixSocketMode, "The permission mode of the unix socket."},
		{"statsd.read-buffer", "read_buffer", "0", &s.readBuffer, "Size (in bytes) of the operating system's receive buffer of the UDP or Unixgram socket."},
		{"statsd.udp-packet-queue-size", "udp_packet_queue_size", "10000", &s.udpPacketQueueSize, "Size of the queue of received UDP packets waiting to be parsed; packets beyond it are dropped and counted."},
		{"statsd.parse-dogstatsd-tags", "parse_dogstatsd_tags", "true", &s.parseDogstatsd, "Parse DogStatsD style tags."},
		{"statsd.parse-influxdb-tags", "parse_influxdb_tags", "true", &s.parseInflux, "Parse InfluxDB style tags."},
		{"statsd.parse-librato-tags", "parse_librato_tags", "true", &s.parseLibrato, "Parse Librato style tags."},
		{"statsd.parse-signalfx-tags", "parse_signalfx_tags", "true", &s.parseSignalFX, "Parse SignalFX style tags."},
		{"statsd.cache-size", "", "1000", &s.cacheSize, "Accepted for statsd_exporter compatibility: size of the rule match cache."},
		{"statsd.cache-type", "", "lru", oneOf{&s.cacheType, []string{"lru", "random"}}, "Accepted for statsd_exporter compatibility; Rosetta's match cache has one eviction policy."},
		{"statsd.event-queue-size", "", "10000", &s.eventQueueSize, "Accepted for statsd_exporter compatibility; Rosetta has no event queue (samples go straight to the store)."},
		{"statsd.event-flush-threshold", "", "1000", &s.eventFlushThreshold, "Accepted for statsd_exporter compatibility; no effect."},
		{"statsd.event-flush-interval", "", "200ms", &s.eventFlushInterval, "Accepted for statsd_exporter compatibility; no effect."},
		{"statsd.relay.address", "relay.address", "", &s.relayAddress, "The UDP relay target address (host:port): every StatsD line the default input accepts is forwarded there as received."},
		{"statsd.relay.packet-length", "relay.packet_length", "1400", &s.relayPacketLength, "Maximum relay output packet length to avoid fragmentation."},
		{"debug.dump-fsm", "", "", &s.dumpFSM, "Accepted for statsd_exporter compatibility; Rosetta has no FSM to dump (its glob rules are a trie): a warning is logged. `rosetta explain` shows which rule a name matches."},
	}
}

// isSet reports whether the user gave the flag.
func (s *statsdFlags) isSet(name string) bool {
	b := s.set[name]
	return b != nil && *b
}

// anySet lists the --statsd.* flags the user gave.
func (s *statsdFlags) anySet() []string {
	var names []string
	for n, b := range s.set {
		if *b {
			names = append(names, "--"+n)
		}
	}
	return names
}

// warnUnsupported logs the statsd_exporter flags Rosetta accepts but has
// nothing to do for, so that a statsd_exporter command line starts unchanged.
func (s *statsdFlags) warnUnsupported(logger *slog.Logger) {
	if s.dumpFSM != "" {
		logger.Warn("--debug.dump-fsm has no effect: Rosetta's glob rules are a trie, not statsd_exporter's FSM; `rosetta explain` shows which rule a name matches", "file", s.dumpFSM)
	}
}

// defaultStatsdConfig returns the config block of the default StatsD input
// from the flags the user set; unset flags keep the input's own defaults,
// which are statsd_exporter's.
func (s *statsdFlags) defaultStatsdConfig() map[string]any {
	cfg := map[string]any{}
	for _, sf := range s.flags() {
		if sf.key == "" || !s.isSet(sf.name) {
			continue
		}
		v := reflect.ValueOf(sf.value).Elem().Interface()
		if k, ok := strings.CutPrefix(sf.key, "relay."); ok {
			relay, _ := cfg["relay"].(map[string]any)
			if relay == nil {
				relay = map[string]any{}
				cfg["relay"] = relay
			}
			relay[k] = v
		} else {
			cfg[sf.key] = v
		}
	}
	return cfg
}

// releasePagesHelp ends the help of --runtime.release-startup-pages (of
// rosetta run and rosetta inject): what a release does and costs
// (internal/exepages).
const releasePagesHelp = ", release this process's mappings of the pages of its executable's code and read-only data that start-up touched (madvise MADV_DONTNEED), lowering idle RSS, " +
	"and drop those no other process maps from the page cache (posix_fadvise, after an fsync), read-ahead off on those mappings: " +
	"a page used again is read back from the file, alone, instead of a minor fault (Linux only). --no-runtime.release-startup-pages keeps them mapped."
