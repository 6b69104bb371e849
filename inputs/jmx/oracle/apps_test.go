package oracle

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// Real Java applications from Debian packages (.ci/packages.apt), each run
// as the current user from a temp dir with remote JMX on loopback, killed
// when the test ends.

// need fails with the package to install when a file is missing.
func need(t *testing.T, pkg string, files ...string) error {
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: install the Debian package %s (make peers)", f, pkg)
		}
	}
	return nil
}

// logged returns a ready check that passes once the process output has s.
func logged(p *proc, s string) func() error {
	return func() error {
		if strings.Contains(p.output(), s) {
			return nil
		}
		return fmt.Errorf("no %q in the output yet", s)
	}
}

// listening returns a ready check that passes once 127.0.0.1:port accepts.
func listening(port int) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

func all(checks ...func() error) func() error {
	return func() error {
		for _, c := range checks {
			if err := c(); err != nil {
				return err
			}
		}
		return nil
	}
}

const startTimeout = 3 * time.Minute

// startTomcat runs Debian's tomcat10 (catalina.sh run, CATALINA_OPTS) with
// a CATALINA_BASE in a temp dir: the package's configuration templates
// (what it installs in /etc/tomcat10) with the HTTP connector on a free
// loopback port and the shutdown port off, and its default ROOT web
// application.
func startTomcat(t *testing.T) (peer, error) {
	home := "/usr/share/tomcat10"
	if err := need(t, "tomcat10", home+"/bin/catalina.sh", home+"/etc/server.xml", "/usr/share/tomcat10-root/default_root"); err != nil {
		return peer{}, err
	}
	base := t.TempDir()
	for _, d := range []string{"conf", "logs", "temp", "webapps", "work"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return peer{}, err
		}
	}
	httpPort, jmxPort := testutil.FreePort(t), testutil.FreePort(t)
	confs, _ := filepath.Glob(home + "/etc/*.*")
	for _, f := range confs {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return peer{}, err
		}
		if filepath.Base(f) == "server.xml" {
			s := string(b)
			s = regexp.MustCompile(`<Server port="[^"]*"`).ReplaceAllString(s, `<Server port="-1"`)
			s = strings.Replace(s, `<Connector port="8080"`, `<Connector address="127.0.0.1" port="`+strconv.Itoa(httpPort)+`"`, 1)
			b = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(base, "conf", filepath.Base(f)), b, 0o600); err != nil {
			return peer{}, err
		}
	}
	if out, err := exec.Command("cp", "-r", "/usr/share/tomcat10-root/default_root", filepath.Join(base, "webapps", "ROOT")).CombinedOutput(); err != nil {
		return peer{}, fmt.Errorf("copying ROOT: %v: %s", err, out)
	}
	cmd := exec.Command(home+"/bin/catalina.sh", "run")
	cmd.Env = append(os.Environ(),
		"CATALINA_HOME="+home, "CATALINA_BASE="+base, "CATALINA_TMPDIR="+filepath.Join(base, "temp"),
		"CATALINA_OPTS=-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "+
			// No jar scanning for TLDs: the ROOT application has none, and
			// the scan is most of the start-up time.
			"-Dtomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar "+strings.Join(jmxFlags(jmxPort), " "))
	p, err := startProc(t, "tomcat10", cmd)
	if err != nil {
		return peer{}, err
	}
	if err := waitJMX(p, jmxPort, startTimeout, all(listening(httpPort), logged(p, "Server startup in"))); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: jmxPort, servicePort: httpPort}, nil
}

// startZooKeeper runs Debian's zookeeper as a standalone server
// (ZooKeeperServerMain) with its data in a temp dir, the admin server off.
func startZooKeeper(t *testing.T) (peer, error) {
	jar := "/usr/share/java/zookeeper.jar"
	// ZooKeeper logs through SLF4J, which without a binding on the class
	// path logs nothing, not even why the server exited: slf4j-simple
	// (libslf4j-java, a dependency of zookeeper's library) writes its
	// warnings and errors to stderr, which a failed start shows.
	logger := "/usr/share/java/slf4j-simple.jar"
	if err := need(t, "zookeeper and libslf4j-java", jar, logger); err != nil {
		return peer{}, err
	}
	dir := t.TempDir()
	clientPort, jmxPort := testutil.FreePort(t), testutil.FreePort(t)
	cfg := filepath.Join(dir, "zoo.cfg")
	zoo := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n",
		filepath.Join(dir, "data"), clientPort)
	if err := os.WriteFile(cfg, []byte(zoo), 0o600); err != nil {
		return peer{}, err
	}
	args := append([]string{"-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", jar + ":" + logger,
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}, jmxFlags(jmxPort)...)
	args = append(args, "org.apache.zookeeper.server.ZooKeeperServerMain", cfg)
	p, err := startProc(t, "zookeeper", exec.Command(javaTool(t, "java"), args...))
	if err != nil {
		return peer{}, err
	}
	// "srvr" answers with the version once the server runs (its beans are
	// registered before it does).
	serving := func() error {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(clientPort), time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("srvr")); err != nil {
			return err
		}
		b := make([]byte, 4096)
		n, _ := c.Read(b)
		if !strings.Contains(string(b[:n]), "Zookeeper version") {
			return errors.New("not serving yet")
		}
		return nil
	}
	if err := waitJMX(p, jmxPort, startTimeout, serving); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: jmxPort, servicePort: clientPort}, nil
}

// activeMQConfig is our broker: JMX on (Debian's example instance turns it
// off), not persistent, a queue and a topic, OpenWire on loopback.
const activeMQConfig = `<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="rosetta" useJmx="true" persistent="false" dataDirectory="DATA">
    <managementContext><managementContext createConnector="false"/></managementContext>
    <destinations>
      <queue physicalName="rosetta.orders"/>
      <topic physicalName="rosetta.events"/>
    </destinations>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:PORT"/>
    </transportConnectors>
  </broker>
</beans>
`

// startActiveMQ runs Debian's activemq (activemq.jar start) with our broker
// configuration from a temp dir.
func startActiveMQ(t *testing.T) (peer, error) {
	home := "/usr/share/activemq"
	if err := need(t, "activemq", home+"/bin/activemq.jar"); err != nil {
		return peer{}, err
	}
	base := t.TempDir()
	for _, d := range []string{"conf", "data", "tmp"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return peer{}, err
		}
	}
	port, jmxPort := testutil.FreePort(t), testutil.FreePort(t)
	conf := filepath.Join(base, "conf", "activemq.xml")
	xml := strings.NewReplacer("DATA", filepath.Join(base, "data"), "PORT", strconv.Itoa(port)).Replace(activeMQConfig)
	if err := os.WriteFile(conf, []byte(xml), 0o600); err != nil {
		return peer{}, err
	}
	args := append([]string{"-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dactivemq.home=" + home, "-Dactivemq.base=" + base,
		"-Dactivemq.conf=" + filepath.Join(base, "conf"), "-Dactivemq.data=" + filepath.Join(base, "data"),
		"-Djava.io.tmpdir=" + filepath.Join(base, "tmp")}, jmxFlags(jmxPort)...)
	args = append(args, "-jar", home+"/bin/activemq.jar", "start", "xbean:file:"+conf)
	p, err := startProc(t, "activemq", exec.Command(javaTool(t, "java"), args...))
	if err != nil {
		return peer{}, err
	}
	if err := waitJMX(p, jmxPort, startTimeout, listening(port)); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: jmxPort, servicePort: port}, nil
}

// startJetty runs Debian's jetty9 (start.jar) with a jetty.base in a temp
// dir and the server, http, jmx and stats modules.
func startJetty(t *testing.T) (peer, error) {
	home := "/usr/share/jetty9"
	if err := need(t, "jetty9", home+"/start.jar"); err != nil {
		return peer{}, err
	}
	base := t.TempDir()
	port, jmxPort := testutil.FreePort(t), testutil.FreePort(t)
	args := append([]string{"-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + base}, jmxFlags(jmxPort)...)
	args = append(args, "-jar", home+"/start.jar", "jetty.home="+home, "jetty.base="+base,
		"--module=server,http,jmx,stats", "jetty.http.host=127.0.0.1", "jetty.http.port="+strconv.Itoa(port))
	cmd := exec.Command(javaTool(t, "java"), args...)
	cmd.Dir = base
	p, err := startProc(t, "jetty9", cmd)
	if err != nil {
		return peer{}, err
	}
	if err := waitJMX(p, jmxPort, startTimeout, all(listening(port), logged(p, "oejs.Server:main: Started"))); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: jmxPort, servicePort: port}, nil
}

// startReplay serves the bean strings of the curated Kafka and Cassandra
// files' tests (mappings/library/*.test.yml, as those servers register
// their beans) from testdata/jmx/oracle/BeanReplay.java: Debian ships
// neither server. Platform domains are left out (the JVM has its own).
func startReplay(t *testing.T) (peer, error) {
	var lines []string
	for _, lib := range []string{"kafka", "cassandra"} {
		b, err := os.ReadFile("../../../mappings/library/" + lib + ".test.yml")
		if err != nil {
			return peer{}, err
		}
		var f struct {
			Tests []struct {
				InputType string `yaml:"input_type"`
				Input     string `yaml:"input"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			return peer{}, fmt.Errorf("%s.test.yml: %w", lib, err)
		}
		for _, tc := range f.Tests {
			if tc.InputType != "jmx" {
				continue
			}
			for _, l := range strings.Split(tc.Input, "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "java.") {
					lines = append(lines, l)
				}
			}
		}
	}
	if len(lines) < 20 {
		return peer{}, fmt.Errorf("only %d bean strings in the Kafka and Cassandra tests", len(lines))
	}
	dir := t.TempDir()
	beans := filepath.Join(dir, "beans.txt")
	if err := os.WriteFile(beans, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return peer{}, err
	}
	if out, err := exec.Command(javaTool(t, "javac"), "-d", dir, filepath.Join(oracleDir, "BeanReplay.java")).CombinedOutput(); err != nil {
		return peer{}, fmt.Errorf("javac: %v\n%s", err, out)
	}
	jmxPort := testutil.FreePort(t)
	args := append([]string{"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", dir}, jmxFlags(jmxPort)...)
	cmd := exec.Command(javaTool(t, "java"), append(args, "BeanReplay", beans)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return peer{}, err
	}
	t.Cleanup(func() { stdin.Close() })
	p, err := startProc(t, "BeanReplay", cmd)
	if err != nil {
		return peer{}, err
	}
	if err := waitJMX(p, jmxPort, startTimeout, logged(p, "READY")); err != nil {
		return peer{}, err
	}
	return peer{jmxPort: jmxPort}, nil
}
