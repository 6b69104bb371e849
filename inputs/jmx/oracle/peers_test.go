package oracle

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

func javaTool(t testing.TB, name string) string {
	t.Helper()
	return testutil.Peer(t, "openjdk-17-jdk-headless", name)
}

// buildRosetta builds ./cmd/rosetta into dir: the tests run Rosetta as a
// user does.
func buildRosetta(goTool, dir string) (string, error) {
	bin := filepath.Join(dir, "rosetta")
	cmd := exec.Command(goTool, "build", "-o", bin, "../../../cmd/rosetta")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building rosetta: %v\n%s", err, out)
	}
	return bin, nil
}

// jmxFlags open remote JMX on 127.0.0.1:port without authentication or
// SSL (registry and RMI server on the same port).
func jmxFlags(port int) []string {
	p := strconv.Itoa(port)
	return []string{
		"-Dcom.sun.management.jmxremote.port=" + p,
		"-Dcom.sun.management.jmxremote.rmi.port=" + p,
		"-Dcom.sun.management.jmxremote.host=127.0.0.1",
		"-Djava.rmi.server.hostname=127.0.0.1",
		"-Dcom.sun.management.jmxremote.authenticate=false",
		"-Dcom.sun.management.jmxremote.ssl=false",
	}
}

// peerStarters start one peer JVM each and return its JMX port once its
// beans are registered; the JVM is killed when t ends.
var peerStarters = map[string]func(t *testing.T) (peer, error){
	"testapp":   startTestApp,
	"tomcat":    startTomcat,
	"zookeeper": startZooKeeper,
	"activemq":  startActiveMQ,
	"jetty":     startJetty,
	"replay":    startReplay,
}

// peer is a started JVM: its JMX port, and its service port, which appears
// in bean names (a connector's name) and is replaced by "PORT" in the
// series compared.
type peer struct {
	jmxPort, servicePort int
}

// startPeers starts the peers named in need in parallel (they are slow to
// start on a small machine) and returns their JMX ports.
func startPeers(t *testing.T, need map[string]bool) map[string]peer {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	ports := map[string]peer{}
	var errs []string
	for name := range need {
		start, ok := peerStarters[name]
		if !ok {
			t.Fatalf("unknown peer %q", name)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			port, err := start(t)
			t.Logf("%s started in %s", name, time.Since(t0).Round(time.Millisecond))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", name, err))
				return
			}
			ports[name] = port
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("starting the peer JVMs:\n%s", strings.Join(errs, "\n"))
	}
	return ports
}

// proc is a started JVM; its output is kept for failure messages.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  strings.Builder
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out.Len() < 1<<20 {
		p.out.Write(b)
	}
	return len(b), nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startProc starts cmd (stdout and stderr to the returned proc unless
// already set) and kills it when t ends.
func startProc(t *testing.T, name string, cmd *exec.Cmd) (*proc, error) {
	p := &proc{cmd: cmd, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, tail(p.output(), 4000))
		}
	})
	return p, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitJMX waits until the JMX port accepts connections and ready (if not
// nil) returns nil, or the process exits, or the deadline passes.
func waitJMX(p *proc, port int, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was ready: %s", tail(p.output(), 2000))
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			if ready == nil {
				return nil
			}
			if last = ready(); last == nil {
				return nil
			}
		} else {
			last = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s: %v\n%s", timeout, last, tail(p.output(), 2000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startTestApp compiles and starts Rosetta's JMX test application
// (testdata/jmx/app).
func startTestApp(t *testing.T) (peer, error) {
	dir := t.TempDir()
	src, _ := filepath.Glob("../../../testdata/jmx/app/*.java")
	if out, err := exec.Command(javaTool(t, "javac"), append([]string{"-d", dir}, src...)...).CombinedOutput(); err != nil {
		return peer{}, fmt.Errorf("javac: %v\n%s", err, out)
	}
	port := testutil.FreePort(t)
	args := append([]string{"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", dir}, jmxFlags(port)...)
	cmd := exec.Command(javaTool(t, "java"), append(args, "TestApp")...)
	// The test application exits when its stdin closes.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return peer{}, err
	}
	t.Cleanup(func() { stdin.Close() })
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return peer{}, err
	}
	p, err := startProc(t, "TestApp", cmd)
	if err != nil {
		return peer{}, err
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-p.done:
		return peer{}, fmt.Errorf("TestApp exited: %s", p.output())
	case <-time.After(60 * time.Second):
		return peer{}, fmt.Errorf("TestApp not ready within 60s")
	}
	if err := waitJMX(p, port, 30*time.Second, nil); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: port}, nil
}
