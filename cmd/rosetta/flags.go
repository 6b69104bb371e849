package main

import (
	"log/slog"
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
	app.Flag("debug.pprof", "Serve Go profiling endpoints under /debug/pprof/ on the web port.").Default("false").BoolVar(&f.pprof)

	s := &f.statsd
	s.set = map[string]*bool{}
	flag := func(name, help string) *kingpin.FlagClause {
		b := new(bool)
		s.set[name] = b
		return app.Flag(name, help).IsSetByUser(b)
	}
	flag("statsd.mapping-config", "statsd_exporter metric mapping file for the default StatsD input.").Default("").StringVar(&s.mappingConfig)
	flag("statsd.listen-udp", `The UDP address on which to receive statsd metric lines. "" disables it.`).Default(":9125").StringVar(&s.listenUDP)
	flag("statsd.listen-tcp", `The TCP address on which to receive statsd metric lines. "" disables it.`).Default(":9125").StringVar(&s.listenTCP)
	flag("statsd.listen-unixgram", `The Unixgram socket path to receive statsd metric lines in datagram. "" disables it.`).Default("").StringVar(&s.listenUnixgram)
	flag("statsd.unixsocket-mode", "The permission mode of the unix socket.").Default("755").StringVar(&s.unixSocketMode)
	flag("statsd.read-buffer", "Size (in bytes) of the operating system's receive buffer of the UDP or Unixgram socket.").Default("0").IntVar(&s.readBuffer)
	flag("statsd.udp-packet-queue-size", "Size of the queue of received UDP packets waiting to be parsed; packets beyond it are dropped and counted.").Default("10000").IntVar(&s.udpPacketQueueSize)
	flag("statsd.parse-dogstatsd-tags", "Parse DogStatsD style tags.").Default("true").BoolVar(&s.parseDogstatsd)
	flag("statsd.parse-influxdb-tags", "Parse InfluxDB style tags.").Default("true").BoolVar(&s.parseInflux)
	flag("statsd.parse-librato-tags", "Parse Librato style tags.").Default("true").BoolVar(&s.parseLibrato)
	flag("statsd.parse-signalfx-tags", "Parse SignalFX style tags.").Default("true").BoolVar(&s.parseSignalFX)
	flag("statsd.cache-size", "Accepted for statsd_exporter compatibility: size of the rule match cache.").Default("1000").IntVar(&s.cacheSize)
	flag("statsd.cache-type", "Accepted for statsd_exporter compatibility; Rosetta's match cache has one eviction policy.").Default("lru").EnumVar(&s.cacheType, "lru", "random")
	flag("statsd.event-queue-size", "Accepted for statsd_exporter compatibility; Rosetta has no event queue (samples go straight to the store).").Default("10000").UintVar(&s.eventQueueSize)
	flag("statsd.event-flush-threshold", "Accepted for statsd_exporter compatibility; no effect.").Default("1000").IntVar(&s.eventFlushThreshold)
	flag("statsd.event-flush-interval", "Accepted for statsd_exporter compatibility; no effect.").Default("200ms").DurationVar(&s.eventFlushInterval)
	flag("statsd.relay.address", "The UDP relay target address (host:port): every StatsD line the default input accepts is forwarded there as received.").Default("").StringVar(&s.relayAddress)
	flag("statsd.relay.packet-length", "Maximum relay output packet length to avoid fragmentation.").Default("1400").UintVar(&s.relayPacketLength)
	flag("debug.dump-fsm", "Accepted for statsd_exporter compatibility; Rosetta has no FSM to dump (its glob rules are a trie): a warning is logged. `rosetta explain` shows which rule a name matches.").Default("").StringVar(&s.dumpFSM)
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
	put := func(flag, key string, v any) {
		if s.isSet(flag) {
			cfg[key] = v
		}
	}
	put("statsd.listen-udp", "listen_udp", s.listenUDP)
	put("statsd.listen-tcp", "listen_tcp", s.listenTCP)
	put("statsd.listen-unixgram", "listen_unixgram", s.listenUnixgram)
	put("statsd.unixsocket-mode", "unixsocket_mode", s.unixSocketMode)
	put("statsd.read-buffer", "read_buffer", s.readBuffer)
	put("statsd.udp-packet-queue-size", "udp_packet_queue_size", s.udpPacketQueueSize)
	put("statsd.parse-dogstatsd-tags", "parse_dogstatsd_tags", s.parseDogstatsd)
	put("statsd.parse-influxdb-tags", "parse_influxdb_tags", s.parseInflux)
	put("statsd.parse-librato-tags", "parse_librato_tags", s.parseLibrato)
	put("statsd.parse-signalfx-tags", "parse_signalfx_tags", s.parseSignalFX)
	relay := map[string]any{}
	if s.isSet("statsd.relay.address") {
		relay["address"] = s.relayAddress
	}
	if s.isSet("statsd.relay.packet-length") {
		relay["packet_length"] = s.relayPacketLength
	}
	if len(relay) > 0 {
		cfg["relay"] = relay
	}
	return cfg
}
