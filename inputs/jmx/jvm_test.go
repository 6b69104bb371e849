package jmx

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// The real-JVM tests compile testdata/jmx/app with javac and start remote
// JMX on 127.0.0.1 with jcmd ManagementAgent.start, which binds loopback
// only. A missing JDK fails the tests.

var (
	appOnce sync.Once
	appDir  string
	appErr  error
)

// javaTool finds a JDK tool; the JMX tests need a JDK 17.
func javaTool(t testing.TB, name string) string {
	t.Helper()
	return testutil.Peer(t, "openjdk-17-jdk-headless", name)
}

// testApp compiles the test application once per test binary.
func testApp(t testing.TB) string {
	t.Helper()
	javac := javaTool(t, "javac")
	appOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rosetta-jmx-app-")
		if err != nil {
			appErr = err
			return
		}
		src, _ := filepath.Glob("../../testdata/jmx/app/*.java")
		ref, _ := filepath.Glob("../../testdata/jmx/ref/*.java")
		src = append(src, ref...)
		out, err := exec.Command(javac, append([]string{"-d", dir}, src...)...).CombinedOutput()
		if err != nil {
			appErr = fmt.Errorf("javac: %v\n%s", err, out)
			return
		}
		// The Jolokia agent needs Debian's jolokia-core and json-simple.
		jars := jolokiaClasspath()
		jsrc, _ := filepath.Glob("../../testdata/jmx/jolokia/*.java")
		out, err = exec.Command(javac, append([]string{"-nowarn", "-cp", dir + ":" + jars, "-d", dir}, jsrc...)...).CombinedOutput()
		if err != nil {
			appErr = fmt.Errorf("javac (Jolokia agent; `make peers` installs libjolokia-core-java and libjson-simple-java): %v\n%s", err, out)
			return
		}
		appDir = dir
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return appDir
}

func jolokiaClasspath() string {
	return "/usr/share/java/jolokia-core.jar:/usr/share/java/json-simple.jar"
}

// jvmOptions configure one test JVM.
type jvmOptions struct {
	props    []string // extra -D flags
	agent    []string // extra ManagementAgent.start options
	port     int      // 0 picks a free port
	rmiPort  int      // 0 means port (registry and RMI server share it)
	username string   // with password: password authentication
	password string
	// jolokiaPort > 0 also serves Jolokia on 127.0.0.1:jolokiaPort.
	jolokiaPort int
}

// testJVM is a running test application with remote JMX.
type testJVM struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	port  int
	done  chan struct{}
	lines chan string // stdout lines after READY
}

func startJVM(t testing.TB, o jvmOptions) *testJVM {
	t.Helper()
	dir := testApp(t)
	java := javaTool(t, "java")
	jcmd := javaTool(t, "jcmd")
	if o.port == 0 {
		o.port = testutil.FreePort(t)
	}
	args := append([]string{"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", dir + ":" + jolokiaClasspath()}, o.props...)
	if o.jolokiaPort > 0 {
		args = append(args, "JolokiaAgent", strconv.Itoa(o.jolokiaPort))
	} else {
		args = append(args, "TestApp")
	}
	cmd := exec.Command(java, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	j := &testJVM{cmd: cmd, stdin: stdin, port: o.port, done: make(chan struct{}), lines: make(chan string, 64)}
	go func() { _ = cmd.Wait(); close(j.done) }()
	t.Cleanup(j.kill)
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") {
				ready <- nil
				for sc.Scan() {
					select {
					case j.lines <- sc.Text():
					default:
					}
				}
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("test JVM exited before READY")
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("test JVM not ready after 60s")
	}
	if o.rmiPort == 0 {
		o.rmiPort = o.port
	}
	agent := []string{strconv.Itoa(cmd.Process.Pid), "ManagementAgent.start",
		"jmxremote.port=" + strconv.Itoa(o.port), "jmxremote.rmi.port=" + strconv.Itoa(o.rmiPort),
		"jmxremote.host=127.0.0.1"}
	if !slices.ContainsFunc(o.agent, func(s string) bool { return strings.HasPrefix(s, "jmxremote.ssl=") }) {
		agent = append(agent, "jmxremote.ssl=false")
	}
	if o.username != "" {
		pw := filepath.Join(t.TempDir(), "jmxremote.password")
		acc := filepath.Join(filepath.Dir(pw), "jmxremote.access")
		if err := os.WriteFile(pw, []byte(o.username+" "+o.password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(acc, []byte(o.username+" readonly\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		agent = append(agent, "jmxremote.authenticate=true", "jmxremote.password.file="+pw, "jmxremote.access.file="+acc)
	} else {
		agent = append(agent, "jmxremote.authenticate=false")
	}
	agent = append(agent, o.agent...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, jcmd, agent...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "successfully") {
		t.Fatalf("jcmd ManagementAgent.start: %v\n%s", err, out)
	}
	return j
}

// command sends a command line to the test application and waits for its
// acknowledgement.
func (j *testJVM) command(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(j.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-j.lines:
			if l == "OK "+line {
				return
			}
		case <-deadline:
			t.Fatalf("test JVM did not acknowledge %q", line)
		}
	}
}

// kill stops the JVM at once and waits for it.
func (j *testJVM) kill() {
	_ = j.stdin.Close()
	_ = j.cmd.Process.Kill()
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
	}
}

func dialTest(t testing.TB, j *testJVM, mod func(*rmi.Options)) *rmi.Client {
	t.Helper()
	opts := rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true}
	if mod != nil {
		mod(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := rmi.Dial(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	return c
}
