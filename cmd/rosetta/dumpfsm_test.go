package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// --debug.dump-fsm is accepted, as statsd_exporter accepts it, with a
// warning that it has no effect, so that a statsd_exporter command line
// starts unchanged.
func TestDumpFSMAccepted(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	(&statsdFlags{}).warnUnsupported(logger)
	if buf.Len() != 0 {
		t.Errorf("warning without the flag: %s", buf.String())
	}
	(&statsdFlags{dumpFSM: "/tmp/fsm.dot"}).warnUnsupported(logger)
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "--debug.dump-fsm has no effect") || !strings.Contains(out, "/tmp/fsm.dot") {
		t.Errorf("no warning naming the flag and its file: %s", out)
	}
}
