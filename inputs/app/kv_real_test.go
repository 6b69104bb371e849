package app

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/kv"
	"github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

var update = flag.Bool("update", false, "rewrite the recorded bodies under testdata/")

// startRedis starts redis-server on a free loopback port, with keys in two
// databases and some commands (one failing) run, so that the keyspace,
// commandstats and errorstats sections exist. It returns host:port.
func startRedis(t *testing.T, password string) string {
	t.Helper()
	bin := testutil.Peer(t, "redis-server", "redis-server")
	port := testutil.FreePort(t)
	args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}
	if password != "" {
		args = append(args, "--requirepass", password)
	}
	startPeer(t, bin, args...)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitTCP(t, addr)
	var cmds [][]string
	if password != "" {
		cmds = append(cmds, []string{"AUTH", password})
	}
	cmds = append(cmds,
		[]string{"SET", "a", "1"}, []string{"SET", "b", "2"}, []string{"EXPIRE", "b", "3600"},
		[]string{"GET", "a"}, []string{"GET", "missing"}, []string{"INCR", "a"},
		[]string{"SELECT", "3"}, []string{"SET", "c", "x"}, []string{"LPUSH", "l", "1", "2"},
		[]string{"INCR", "c"}, // fails: not an integer (errorstat)
	)
	redisCommands(t, addr, cmds...)
	return addr
}

// redisCommands runs commands on one connection and checks that each got
// a reply.
func redisCommands(t *testing.T, addr string, cmds ...[]string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(cmd))
		for _, a := range cmd {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	got := ""
	for strings.Count(got, "\r\n") < len(cmds)+1 { // LPUSH and GET replies have one line, bulk strings two
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("redis replies: %v (so far %q)", err, got)
		}
		got += string(buf[:n])
		if strings.Contains(got, "-ERR value is not an integer") {
			break
		}
	}
}

func startMemcached(t *testing.T) string {
	t.Helper()
	bin := testutil.Peer(t, "memcached", "memcached")
	port := testutil.FreePort(t)
	startPeer(t, bin, "-l", "127.0.0.1", "-p", fmt.Sprint(port), "-U", "0", "-m", "16", "-u", "root")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitTCP(t, addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "set k 0 0 5\r\nhello\r\nget k\r\nget nope\r\n")
	buf := make([]byte, 1024)
	got := ""
	for !strings.Contains(got, "END\r\nEND\r\n") {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("memcached: %v (%q)", err, got)
		}
		got += string(buf[:n])
	}
	return addr
}

// startNginx starts nginx with stub_status on a free loopback port and
// returns the status URL.
func startNginx(t *testing.T) string {
	t.Helper()
	bin := testutil.Peer(t, "nginx-light", "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	port := testutil.FreePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    location = /stub_status { stub_status; }
    location / { return 200 "ok\n"; }
  }
}
`, dir, port)
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startPeer(t, bin, "-c", file, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/")
	for range 3 {
		httpGet(t, base+"/")
	}
	return base + "/stub_status"
}

// recordLines renders records sorted, one per line.
func recordLines(recs []normalize.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s%s %s %g", r.Match, r.Labels, r.Type, r.Value))
	}
	sort.Strings(out)
	return out
}

// saveBody records a real server's body for the golden tests of the
// parsers (rewritten with -update).
func saveBody(t *testing.T, name string, body []byte) {
	t.Helper()
	if !*update {
		return
	}
	if err := os.WriteFile(filepath.Join("testdata", name), body, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantRecord fails unless a record line matches re.
func wantRecord(t *testing.T, lines []string, re string) {
	t.Helper()
	r := regexp.MustCompile(re)
	for _, l := range lines {
		if r.MatchString(l) {
			return
		}
	}
	t.Errorf("no record matches %s in:\n%s", re, strings.Join(lines, "\n"))
}

func TestRedisRealServer(t *testing.T) {
	addr := startRedis(t, "s3cret")
	f := factoryOf(t, "redis")
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\npassword_file: %q\n", addr, pw))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + addr
	waitFor(t, "redis records", func() bool { return len(rec.get(source)) > 50 })
	lines := recordLines(rec.get(source))
	for _, re := range []string{
		`^connected_clients\{\} gauge [1-9]`,
		`^keyspace_hits\{\} counter [1-9]`,
		`^keyspace\.keys\{db="db0"\} gauge 2$`,
		`^keyspace\.keys\{db="db3"\} gauge 2$`,
		`^keyspace\.expires\{db="db0"\} gauge 1$`,
		`^cmdstat\.calls\{cmd="set"\} counter 3$`,
		`^cmdstat\.usec\{cmd="get"\} counter`,
		`^errorstat\.count\{error="ERR"\} counter 1$`,
		`^role\{role="master"\} gauge 1$`,
		`^redis_version\{redis_version="7\.`,
		`^latency_percentiles_usec\{cmd="set", percentile="99.9"\} gauge`,
	} {
		wantRecord(t, lines, re)
	}
	// Save a body for the parser's golden test.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	body, err := kv.RedisExchange(c, "", "s3cret", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	saveBody(t, "redis-info.txt", body)

	// A wrong password is a clear, counted error.
	bad := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\npassword: wrong\n", addr))
	_, reg := startDriver(t, f, bad)
	waitFor(t, "auth error counted", func() bool { return pollErrors(t, reg, addr, "auth") > 0 })
}

func TestMemcachedRealServer(t *testing.T) {
	addr := startMemcached(t)
	f := factoryOf(t, "memcached")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\n", addr))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + addr
	waitFor(t, "memcached records", func() bool { return len(rec.get(source)) > 30 })
	lines := recordLines(rec.get(source))
	for _, re := range []string{
		`^get_hits\{\} counter 1$`, `^get_misses\{\} counter 1$`, `^cmd_set\{\} counter 1$`,
		`^curr_items\{\} gauge 1$`, `^curr_connections\{\} gauge [1-9]`, `^version\{version="1\.`,
	} {
		wantRecord(t, lines, re)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	body, err := kv.MemcachedExchange(c, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	saveBody(t, "memcached-stats.txt", body)
}

func TestNginxRealServer(t *testing.T) {
	url := startNginx(t)
	f := factoryOf(t, "nginx")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\n", url))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + url
	waitFor(t, "nginx records", func() bool { return len(rec.get(source)) == 7 })
	lines := recordLines(rec.get(source))
	for _, re := range []string{`^active\{\} gauge [1-9]`, `^accepts\{\} counter [1-9]`, `^requests\{\} counter [1-9]`, `^writing\{\} gauge [1-9]`, `^waiting\{\} gauge`} {
		wantRecord(t, lines, re)
	}
	body, _ := httpGet(t, url)
	saveBody(t, "nginx-stub-status.txt", body)
}

func factoryOf(t *testing.T, typ string) inputs.Factory {
	t.Helper()
	for _, f := range NewFactories() {
		if f.Type() == typ {
			return f
		}
	}
	t.Fatalf("no factory %q", typ)
	return nil
}

// The text type over a TCP command, against a real memcached: the general
// line-regex parser reads what the built-in one reads.
func TestTextCommandRealServer(t *testing.T) {
	addr := startMemcached(t)
	f := factoryOf(t, "text")
	cfg := decodeTest(t, f, fmt.Sprintf(`targets: [%q]
interval: 200ms
command: "stats\r\n"
end_line: END
lines:
  - regex: '^STAT (?P<key>[a-z_]+) (?P<value>[0-9.]+)\r?$'
    type: counter
`, addr))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + addr
	waitFor(t, "text records", func() bool { return len(rec.get(source)) > 30 })
	lines := recordLines(rec.get(source))
	wantRecord(t, lines, `^get_hits\{\} counter 1$`)
	wantRecord(t, lines, `^cmd_set\{\} counter 1$`)
	for _, l := range lines {
		if strings.HasPrefix(l, "version") {
			t.Errorf("a non-numeric stat was read: %s", l)
		}
	}
}

// startApache starts Debian's apache2 with mod_status on a free loopback
// port and returns the /server-status?auto URL.
func startApache(t *testing.T) string {
	t.Helper()
	bin := testutil.Peer(t, "apache2", "apache2", "/usr/sbin/apache2")
	mods := "/usr/lib/apache2/modules"
	if _, err := os.Stat(filepath.Join(mods, "mod_status.so")); err != nil {
		t.Fatal("apache2's modules are not installed (Debian package apache2): `make peers` installs it")
	}
	// Apache's workers run as nobody: the server root must be readable by
	// it (t.TempDir's parent is not).
	dir, err := os.MkdirTemp("", "rosetta-apache-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := testutil.FreePort(t)
	conf := fmt.Sprintf(`ServerRoot %[1]q
ServerName localhost
Listen 127.0.0.1:%[2]d
PidFile %[1]s/httpd.pid
ErrorLog %[1]s/error.log
LoadModule mpm_event_module %[3]s/mod_mpm_event.so
LoadModule authz_core_module %[3]s/mod_authz_core.so
LoadModule status_module %[3]s/mod_status.so
User nobody
Group nogroup
ExtendedStatus On
DocumentRoot %[1]q
<Location "/server-status">
  SetHandler server-status
  Require all granted
</Location>
`, dir, port, mods)
	file := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	startPeer(t, bin, "-f", file, "-DFOREGROUND")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/server-status?auto")
	for range 5 {
		httpGet(t, base+"/server-status") // the HTML page: accesses and bytes
	}
	return base + "/server-status?auto"
}

func TestApacheRealServer(t *testing.T) {
	url := startApache(t)
	f := factoryOf(t, "apache")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 200ms\n", url))
	rec, _ := startDriver(t, f, cfg)
	source := "app/" + url
	waitFor(t, "apache records", func() bool { return len(rec.get(source)) > 20 })
	lines := recordLines(rec.get(source))
	for _, re := range []string{
		`^Total_Accesses\{\} counter [1-9]`, `^BusyWorkers\{\} gauge [1-9]`, `^IdleWorkers\{\} gauge`,
		`^scoreboard\{state="sending"\} gauge [1-9]`, `^scoreboard\{state="open_slot"\} gauge`,
		`^ServerVersion\{server_version="Apache/2\.4`, `^ServerMPM\{server_mpm="event"\} gauge 1$`,
	} {
		wantRecord(t, lines, re)
	}
	body, _ := httpGet(t, url)
	saveBody(t, "apache-status.txt", body)
}
