package oracle

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// -record names the directory `testdata/jmx/oracle/build.sh` built the real
// collector in (make record-jmx-golden): the goldens are rewritten from its
// output before Rosetta is compared with them.
var record = flag.String("record", "", "oracle build directory: rewrite the golden files with the real jmx_exporter collector's output")

const oracleDir = "../../../testdata/jmx/oracle"

// oracleCase is one comparison: a jmx_exporter config (without its
// connection, which the test adds) run by the real collector and by
// Rosetta on one peer JVM.
type oracleCase struct {
	name   string // golden file golden/<name>.txt
	peer   string // key of peers
	config string // configs/<config>: the jmx_exporter config
	// library, instead of config, runs Rosetta with mapping_files:
	// [library:NAME] and the real collector with the jmx_exporter
	// equivalent of that curated file (jmxExporterEquivalent).
	library string
	// upstream, instead of config, is a file of jmx_exporter's own
	// examples/ (in the source the -record build fetched; never in the
	// repository): compared live with the real collector, only with -record.
	upstream string
	// presence: series (name{labels}) matching one of these have values
	// that move between reads or depend on the JVM; they are compared by
	// presence (the golden holds "*").
	presence []string
	// differ: families and series (name{labels}) that match are left out on
	// both sides, for the reason given (a deliberate difference).
	differ, reason string
	// self also compares jmx_exporter's own families (jmx_scrape_error,
	// ...; peerSelf) after one good scrape with golden/<name>-self.txt,
	// recorded by testdata/jmx/oracle/SelfOracle.java.
	self bool
}

// platform matches the platform beans' default-named series (any case).
const platform = `(?i)^(java_lang|java_nio|java_util_logging|jdk_|com_sun_management|jmimplementation)`

var cases = []oracleCase{
	{name: "testapp-default", peer: "testapp", config: "testapp-default.yml", presence: []string{platform}, self: true},
	{name: "testapp-lowercase", peer: "testapp", config: "testapp-lowercase.yml", presence: []string{platform}},
	{name: "testapp-rules", peer: "testapp", config: "testapp-rules.yml"},
	{name: "testapp-filters", peer: "testapp", config: "testapp-filters.yml"},
	// rules with cache: true: jmx_scrape_cached_beans
	{name: "testapp-cached", peer: "testapp", config: "testapp-cached.yml", self: true},
	{name: "testapp-cached-strings", peer: "testapp", config: "testapp-cached-strings.yml", self: true},
	{name: "testapp-examples", peer: "testapp", config: "testapp-examples.yml", presence: []string{`^jvm_`, `^java_lang_`}},
	{name: "testapp-collisions", peer: "testapp", config: "testapp-collisions.yml"},
	{name: "testapp-beanstrings", peer: "testapp", config: "testapp-beanstrings.yml", differ: enumAttr, reason: enumReason},
	{name: "testapp-beanstrings-all", peer: "testapp", config: "testapp-beanstrings-all.yml", differ: enumAttr, reason: enumReason},
	{name: "library-jvm", peer: "testapp", library: "jvm", presence: []string{`^jvm_`},
		differ: `^jvm(_info)?(\{|$)`, reason: "client_java strips _info from a gauge's name: jmx_exporter cannot name a series jvm_info"},
	{name: "tomcat", peer: "tomcat", config: "tomcat.yml"},
	{name: "library-tomcat", peer: "tomcat", library: "tomcat", presence: []string{tomcatThreads}},
	{name: "zookeeper", peer: "zookeeper", config: "zookeeper.yml", presence: []string{zkPackets}},
	{name: "library-zookeeper", peer: "zookeeper", library: "zookeeper", presence: []string{zkPackets}},
	{name: "activemq", peer: "activemq", config: "activemq.yml"},
	{name: "library-activemq", peer: "activemq", library: "activemq"},
	{name: "jetty", peer: "jetty", config: "jetty.yml"},
	{name: "library-jetty", peer: "jetty", library: "jetty", presence: []string{jettyThreads}},
	{name: "upstream-tomcat", peer: "tomcat", upstream: "tomcat.yml", presence: []string{tomcatThreads}},
	{name: "upstream-zookeeper", peer: "zookeeper", upstream: "zookeeper.yaml", presence: []string{zkPackets}},
	{name: "upstream-activemq", peer: "activemq", upstream: "activemq.yml"},
	{name: "upstream-kafka", peer: "replay", upstream: "kafka-2_0_0.yml"},
	{name: "upstream-cassandra", peer: "replay", upstream: "cassandra.yml"},
	{name: "library-kafka", peer: "replay", library: "kafka"},
	{name: "library-cassandra", peer: "replay", library: "cassandra"},
}

// The test application's Mode attribute is an enum of its own: the real
// collector's JDK client cannot deserialize it (it has not the class) and
// skips it; Rosetta reads the enum's name, as jmx_exporter does in agent
// mode.
const (
	enumAttr   = `><>Mode`
	enumReason = "the real collector, over remote JMX, cannot load the application's enum class"
)

// Values of the application peers that move: Tomcat's worker threads and
// connections (the readiness probe connects), ZooKeeper's packet counts
// (the probe is a client), Jetty's pool threads.
const (
	tomcatThreads = `(?i)^tomcat_threadpool_(current|connectioncount)`
	zkPackets     = `(?i)^zookeeper_packets`
	jettyThreads  = `^jetty_threadpool_(threads|idlethreads|busythreads|queuesize)\b`
)

// ignored series are left out on both sides: a collector's LastGcInfo
// exists only after that collector ran, which is up to the JVM.
var ignored = regexp.MustCompile(`(?i)lastgcinfo`)

// selfMetric tells Rosetta's own series (and Go's), and jmx_exporter's
// own (peerSelf, served for the input that stands in for jmx_exporter),
// from the exported ones.
var selfMetric = regexp.MustCompile(`^(rosetta_|go_|process_|promhttp_|jmx_scrape_|jmx_config_reload_|jmx_exporter_build_info$|jmx_http_requests_rejected_total$)`)

// peerSelf are jmx_exporter's own families, peerSelfMoving those whose
// values move (compared by presence). jmx_http_requests_rejected_total is
// not among them: jmx_exporter's HTTP server registers it, and the oracle
// builds the collector alone (cmd/rosetta's TestJMXPeerFamilies has it).
var (
	peerSelf       = regexp.MustCompile(`^(jmx_scrape_|jmx_config_reload_|jmx_exporter_build_info$)`)
	peerSelfMoving = regexp.MustCompile(`^jmx_scrape_duration_seconds$`)
	// jmx_exporter_build_info's label values are the jar's manifest
	// (unknown in the oracle's build): their names are compared.
	buildInfoValues = regexp.MustCompile(`^(jmx_exporter_build_info\{.*)`)
	labelValue      = regexp.MustCompile(`="(?:[^"\\]|\\.)*"`)
)

// selfLines returns the canonical lines of jmx_exporter's own families in
// text, with jmx_exporter_build_info's label values as "*".
func selfLines(text string) ([]string, error) {
	var keep strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		name := strings.TrimPrefix(strings.TrimPrefix(l, "# HELP "), "# TYPE ")
		if i := strings.IndexAny(name, "{ "); i >= 0 {
			name = name[:i]
		}
		if peerSelf.MatchString(name) {
			keep.WriteString(l)
		}
	}
	lines, err := canonical(keep.String(), nil, nil, []*regexp.Regexp{peerSelfMoving}, func(s string) string { return s })
	for i, l := range lines {
		if buildInfoValues.MatchString(l) {
			lines[i] = labelValue.ReplaceAllString(l, `="*"`)
		}
	}
	return lines, err
}

func TestOracle(t *testing.T) {
	testutil.SkipShort(t, "JVMs (the test application, Tomcat, ZooKeeper, ActiveMQ, Jetty) and the rosetta binary")
	var classpath string
	if *record != "" {
		b, err := os.ReadFile(filepath.Join(*record, "classpath"))
		if err != nil {
			t.Fatalf("-record: %v (build the oracle with testdata/jmx/oracle/build.sh DIR, or make record-jmx-golden)", err)
		}
		classpath = strings.TrimSpace(string(b))
	}
	// Build Rosetta while the JVMs start.
	type built struct {
		bin string
		err error
	}
	build := make(chan built, 1)
	goTool, binDir := testutil.GoTool(t), t.TempDir()
	go func() {
		bin, err := buildRosetta(goTool, binDir)
		build <- built{bin, err}
	}()
	need := map[string]bool{}
	for _, c := range cases {
		need[c.peer] = true
	}
	ports := startPeers(t, need)
	b := <-build
	if b.err != nil {
		t.Fatal(b.err)
	}
	rosetta := b.bin

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pr := ports[c.peer]
			port := pr.jmxPort
			norm := func(s string) string { return s }
			if pr.servicePort != 0 {
				norm = strings.NewReplacer(strconv.Itoa(pr.servicePort), "PORT").Replace
			}
			var body []byte
			if c.upstream != "" {
				if *record == "" {
					t.Skip("jmx_exporter's own examples are not in the repository: compared live by make record-jmx-golden")
				}
				b, err := os.ReadFile(filepath.Join(*record, "examples", c.upstream))
				if err != nil {
					t.Fatal(err)
				}
				body = b
			} else if c.library != "" {
				s, err := jmxExporterEquivalent(c.library)
				if err != nil {
					t.Fatal(err)
				}
				body = []byte(s)
			} else {
				b, err := os.ReadFile(filepath.Join(oracleDir, "configs", c.config))
				if err != nil {
					t.Fatal(err)
				}
				body = b
			}
			var presence []*regexp.Regexp
			for _, p := range c.presence {
				presence = append(presence, regexp.MustCompile(p))
			}
			skip, oskip, differ := selfMetric, (*regexp.Regexp)(nil), (*regexp.Regexp)(nil)
			if c.differ != "" {
				t.Logf("series matching %s are not compared: %s", c.differ, c.reason)
				skip = regexp.MustCompile(selfMetric.String() + "|" + c.differ)
				oskip = regexp.MustCompile(c.differ)
				differ = oskip
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "jmx_exporter.yml")
			conn := "hostPort: 127.0.0.1:" + strconv.Itoa(port) + "\n"
			if err := os.WriteFile(cfg, withConnection(body, conn), 0o600); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(oracleDir, "golden", c.name+".txt")
			var want []string
			if c.upstream != "" {
				out := runOracle(t, classpath, cfg)
				lines, err := canonical(out, oskip, differ, presence, norm)
				if err != nil || len(lines) == 0 {
					t.Fatalf("the real collector's output (%v):\n%s", err, out)
				}
				want = lines
			} else if *record != "" {
				out := runOracle(t, classpath, cfg)
				lines, err := canonical(out, oskip, differ, presence, norm)
				if err != nil {
					t.Fatalf("the real collector's output: %v\n%s", err, out)
				}
				if len(lines) == 0 {
					t.Fatalf("the real collector exported nothing")
				}
				if err := os.WriteFile(golden, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want == nil {
				wantText, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (record it with make record-jmx-golden)", err)
				}
				want = strings.Split(strings.TrimSuffix(string(wantText), "\n"), "\n")
			}

			var input string
			if c.library != "" {
				input = fmt.Sprintf("      host_port: 127.0.0.1:%d\n    mapping_files: [library:%s]\n", port, c.library)
			} else {
				input = fmt.Sprintf("      jmx_exporter_config: %s\n", cfg)
			}
			rcfg := filepath.Join(dir, "rosetta.yml")
			if err := os.WriteFile(rcfg, []byte("inputs:\n  - name: jmx\n    type: jmx\n    config:\n      interval: 1h\n"+input), 0o600); err != nil {
				t.Fatal(err)
			}
			text := runRosetta(t, rosetta, rcfg)
			if c.self {
				compareSelf(t, c.name, classpath, cfg, text)
			}
			got, err := canonical(text, skip, differ, presence, norm)
			if err != nil {
				t.Fatalf("Rosetta's /metrics: %v\n%s", err, text)
			}
			n := 0
			for _, l := range want {
				if !strings.HasPrefix(l, "#") {
					n++
				}
			}
			t.Logf("%d series of the real collector compared", n)
			if diff := lineDiff(want, got); diff != "" {
				t.Errorf("Rosetta vs the real jmx_exporter collector (%s; -jmx_exporter +rosetta):\n%s", golden, diff)
			}
		})
	}
}

// compareSelf compares jmx_exporter's own families in Rosetta's /metrics
// (text, after its first poll) with golden/<name>-self.txt: what
// jmx_exporter's standalone registry serves after one scrape of cfg, of
// the real collector when recording.
func compareSelf(t *testing.T, name, classpath, cfg, text string) {
	t.Helper()
	golden := filepath.Join(oracleDir, "golden", name+"-self.txt")
	if *record != "" {
		// The second scrape serves the first one's outcome.
		want, err := selfLines(runJava(t, classpath, "SelfOracle", cfg, "2"))
		if err != nil || len(want) == 0 {
			t.Fatalf("the real collector's own families (%v): %q", err, want)
		}
		if err := os.WriteFile(golden, []byte(strings.Join(want, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (record it with make record-jmx-golden)", err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	got, err := selfLines(text)
	if err != nil {
		t.Fatalf("Rosetta's /metrics: %v", err)
	}
	t.Logf("%d lines of jmx_exporter's own families compared", len(want))
	if diff := lineDiff(want, got); diff != "" {
		t.Errorf("jmx_exporter's own families, Rosetta vs the real jmx_exporter (%s; -jmx_exporter +rosetta):\n%s", golden, diff)
	}
}

// runOracle runs the real collector (testdata/jmx/oracle/Oracle.java) once.
func runOracle(t *testing.T, classpath, cfg string) string {
	t.Helper()
	return runJava(t, classpath, "Oracle", cfg)
}

// runJava runs one of the oracle harnesses (testdata/jmx/oracle/*.java).
func runJava(t *testing.T, classpath, class string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, javaTool(t, "java"), append([]string{"-cp", classpath, class}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the real collector: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// runRosetta starts the rosetta binary with cfg, waits for its first JMX
// poll and returns /metrics.
func runRosetta(t *testing.T, bin, cfg string) string {
	t.Helper()
	web := fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t))
	var log bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfg, "--web.listen-address="+web)
	cmd.Stdout = &log
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("rosetta's log:\n%s", log.String())
		}
	}()
	polled := regexp.MustCompile(`(?m)^rosetta_jmx_beans\{[^}]*\} [1-9]`)
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("rosetta exited")
		default:
		}
		if text, err := get("http://" + web + "/metrics"); err == nil && polled.MatchString(text) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("rosetta did not finish a JMX poll within 90s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}

// canonical parses a text exposition into comparable lines: per family in
// name order "# HELP", "# TYPE" and its samples (labels sorted, values in
// Go's shortest form, so that Java's 1.7E9 equals 1.7e+09), values of
// series matching presence as "*". Families matching skip and series
// matching ignored or skipSeries are left out. norm rewrites names, labels and help
// (the service port of a peer, which is in its bean names, becomes PORT).
func canonical(text string, skip, skipSeries *regexp.Regexp, presence []*regexp.Regexp, norm func(string) string) ([]string, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(mfs))
	for n := range mfs {
		if skip == nil || !skip.MatchString(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		mf := mfs[n]
		var samples []string
		for _, m := range mf.GetMetric() {
			var v float64
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				v = m.GetUntyped().GetValue()
			default:
				return nil, fmt.Errorf("family %s: unexpected type %s", n, mf.GetType())
			}
			ls := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+strconv.Quote(norm(l.GetValue())))
			}
			sort.Strings(ls)
			series := norm(n)
			if len(ls) > 0 {
				series += "{" + strings.Join(ls, ",") + "}"
			}
			if ignored.MatchString(series) || skipSeries != nil && skipSeries.MatchString(series) {
				continue
			}
			value := strconv.FormatFloat(v, 'g', -1, 64)
			for _, p := range presence {
				if p.MatchString(series) {
					value = "*"
					break
				}
			}
			samples = append(samples, series+" "+value)
		}
		if len(samples) == 0 {
			continue
		}
		sort.Strings(samples)
		if mf.GetHelp() != "" {
			out = append(out, "# HELP "+norm(n)+" "+norm(mf.GetHelp()))
		}
		out = append(out, "# TYPE "+norm(n)+" "+strings.ToLower(mf.GetType().String()))
		out = append(out, samples...)
	}
	if len(out) == 0 && len(names) > 0 {
		return nil, errors.New("every series was ignored")
	}
	return out, nil
}

// lineDiff lists the lines only in want (-) and only in got (+), in order;
// both are sorted by family. At most 100 of each are shown.
func lineDiff(want, got []string) string {
	in := func(ls []string) map[string]int {
		m := map[string]int{}
		for _, l := range ls {
			m[l]++
		}
		return m
	}
	var b strings.Builder
	show := func(ls []string, other map[string]int, sign string) {
		n := 0
		for _, l := range ls {
			if other[l] > 0 {
				other[l]--
				continue
			}
			if n++; n <= 100 {
				b.WriteString(sign + l + "\n")
			}
		}
		if n > 100 {
			fmt.Fprintf(&b, "%s... %d more\n", sign, n-100)
		}
	}
	show(want, in(got), "-")
	show(got, in(want), "+")
	return b.String()
}

// withConnection adds the connection line to a jmx_exporter config: first,
// or after the document start marker (---) if the file has one.
func withConnection(body []byte, conn string) []byte {
	lines := strings.SplitAfter(string(body), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasPrefix(t, "---") {
			return []byte(strings.Join(lines[:i+1], "") + conn + strings.Join(lines[i+1:], ""))
		}
		break
	}
	return append([]byte(conn), body...)
}
