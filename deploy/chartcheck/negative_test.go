package chartcheck

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// collector records what the checks report instead of failing.
type collector struct{ msgs []string }

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// TestChecksCatchMistakes breaks the StatsD example manifest in one way at
// a time and makes sure the checks report it, so a passing check means
// something.
func TestChecksCatchMistakes(t *testing.T) {
	orig, err := os.ReadFile("../kubernetes/statsd-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		want     string // regexp over the reported messages
	}{
		{"root filesystem writable", "readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [ALL]\n            seccompProfile",
			"readOnlyRootFilesystem: false\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [ALL]\n            seccompProfile", `readOnlyRootFilesystem not true`},
		{"root user", "runAsUser: 65532", "runAsUser: 0", `runAsUser 0`},
		{"capability added", "drop: [ALL]\n            seccompProfile", "drop: [ALL]\n              add: [NET_ADMIN]\n            seccompProfile", `capabilities`},
		{"native sidecar without restartPolicy", "          restartPolicy: Always\n", "", `without restartPolicy: Always`},
		{"liveness on the wrong path", "path: /-/healthy", "path: /healthz", `liveness probe path "/healthz"`},
		{"subPath config mount", "mountPath: /etc/rosetta\n", "mountPath: /etc/rosetta\n              subPath: mapping.yml\n", `subPath mount never sees ConfigMap updates`},
		{"mapping file missing from the ConfigMap", "--statsd.mapping-config=/etc/rosetta/mapping.yml", "--statsd.mapping-config=/etc/rosetta/mappings.yml", `names a file the ConfigMap shop-rosetta lacks`},
		{"service targets an unknown port", "targetPort: rosetta-web", "targetPort: metrics", `targetPort "metrics" is no port`},
		{"no /tmp emptyDir", "            - name: rosetta-tmp\n              mountPath: /tmp\n", "", `/tmp is not an emptyDir mount`},
		{"port name too long", "name: rosetta-web\n              containerPort", "name: rosetta-web-metrics\n              containerPort", `port name "rosetta-web-metrics"`},
		{"ConfigMap not rendered", "configMap:\n            name: shop-rosetta", "configMap:\n            name: shop-rosetta-other", `neither rendered nor expected`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(orig), tt.old) {
				t.Fatalf("the manifest no longer contains %q; update the test", tt.old)
			}
			broken := strings.Replace(string(orig), tt.old, tt.new, 1)
			objs := decodeAll(t, "broken", []byte(broken))
			var c collector
			checkObjects(&c, objs, expect{native: true})
			re := regexp.MustCompile(tt.want)
			for _, m := range c.msgs {
				if re.MatchString(m) {
					return
				}
			}
			t.Errorf("no report matches %q; got %q", tt.want, c.msgs)
		})
	}
	var c collector
	checkObjects(&c, decodeAll(t, "original", orig), expect{native: true})
	if len(c.msgs) > 0 {
		t.Errorf("the unbroken manifest is reported: %q", c.msgs)
	}
}
