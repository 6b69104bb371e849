package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestHelpOfEveryCommand: `rosetta CMD --help` exits 0 for every command
// and shows that command's own flags only; run's are the adapter's.
func TestHelpOfEveryCommand(t *testing.T) {
	model := newCLI(&bytes.Buffer{}, &bytes.Buffer{}).app.Model()
	runFlags := map[string]bool{}
	for _, c := range model.Commands {
		if c.Name == "run" {
			for _, f := range c.Flags {
				runFlags[f.Name] = true
			}
		}
	}
	if !runFlags["statsd.listen-udp"] || !runFlags["web.listen-address"] || !runFlags["log.level"] || !runFlags["config.file"] {
		t.Fatalf("run does not own the adapter's flags: %v", runFlags)
	}
	for _, c := range model.Commands {
		if c.Hidden {
			continue
		}
		for _, args := range [][]string{{c.Name, "--help"}, {c.Name, "-h"}, {"help", c.Name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if code := Main(args, &stdout, &stderr); code != 0 {
					t.Fatalf("exit %d\nstderr: %s", code, &stderr)
				}
				out := stdout.String()
				if !strings.HasPrefix(out, "usage: rosetta "+c.Name) {
					t.Errorf("does not start with the command's usage:\n%s", out)
				}
				for _, f := range c.Flags {
					if !f.Hidden && !strings.Contains(out, "--"+f.Name) && !strings.Contains(out, "--[no-]"+f.Name) {
						t.Errorf("own flag --%s missing", f.Name)
					}
				}
				if c.Name == "run" {
					return
				}
				own := map[string]bool{}
				for _, f := range c.Flags {
					own[f.Name] = true
				}
				for name := range runFlags {
					if !own[name] && strings.Contains(out, "--"+name+"=") || !own[name] && strings.Contains(out, "--[no-]"+name+" ") {
						t.Errorf("shows run's flag --%s:\n%s", name, out)
					}
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %s", &stderr)
				}
			})
		}
	}
}

// TestTopLevelHelp: `rosetta --help` lists every command and run's flags.
func TestTopLevelHelp(t *testing.T) {
	model := newCLI(&bytes.Buffer{}, &bytes.Buffer{}).app.Model()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, &stderr)
		}
		out := stdout.String()
		for _, c := range model.Commands {
			if !c.Hidden && !strings.Contains(out, "\n  "+c.Name) {
				t.Errorf("%v: command %s not listed", args, c.Name)
			}
		}
		for _, f := range []string{"--statsd.listen-udp", "--statsd.mapping-config", "--web.listen-address", "--config.file", "--log.level"} {
			if !strings.Contains(out, f) {
				t.Errorf("%v: run flag %s not shown", args, f)
			}
		}
	}
}

// TestStatsdExporterCommandLine: flags without a command select run, with
// every statsd_exporter flag; a command name selects that command.
func TestStatsdExporterCommandLine(t *testing.T) {
	cases := []struct {
		args []string
		cmd  string
		udp  string
	}{
		{[]string{"--statsd.listen-udp=:9999", "--statsd.mapping-config=m.yml", "--web.listen-address=:9102", "--log.level=debug"}, "run", ":9999"},
		{[]string{"--statsd.listen-udp", ":9998", "--no-statsd.parse-dogstatsd-tags", "--statsd.cache-type=random"}, "run", ":9998"},
		{[]string{"run", "--statsd.listen-udp=:9997"}, "run", ":9997"},
		{nil, "run", ":9125"},
		{[]string{"check", "x.yml"}, "check", ""}, // run's defaults apply to run only
	}
	for _, tc := range cases {
		c := newCLI(&bytes.Buffer{}, &bytes.Buffer{})
		cmd, err := c.app.Parse(tc.args)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if cmd != tc.cmd || c.runFlags.statsd.listenUDP != tc.udp {
			t.Errorf("%v: command %q, listen-udp %q; want %q, %q", tc.args, cmd, c.runFlags.statsd.listenUDP, tc.cmd, tc.udp)
		}
	}
	// Run's flags belong to run only.
	var stderr bytes.Buffer
	if code := Main([]string{"check", "--statsd.listen-udp=:1", "x.yml"}, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("check with a run flag: exit %d, want 2 (%s)", code, &stderr)
	}
}

// TestCompletion: the scripts of `rosetta completion bash|zsh|fish`, run
// by the real shells, offer commands, a command's flags and flag values.
func TestCompletion(t *testing.T) {
	bin := buildRosetta(t)
	dir := filepath.Dir(bin)
	cases := []struct {
		line string // what is typed before TAB
		want []string
		not  []string
	}{
		{"rosetta ex", []string{"explain"}, nil},
		{"rosetta ", []string{"run", "check", "explain", "test", "completion"}, nil},
		{"rosetta explain --inp", []string{"--input-name", "--input-config"}, []string{"--statsd.listen-udp"}},
		{"rosetta --statsd.listen", []string{"--statsd.listen-udp", "--statsd.listen-tcp"}, nil},
		{"rosetta completion ", []string{"bash", "zsh", "fish"}, nil},
		{"rosetta --statsd.cache-type ", []string{"lru", "random"}, nil},
	}
	shells := map[string]func(t *testing.T, line string) []string{
		"bash": func(t *testing.T, line string) []string {
			sh := testutil.Peer(t, "bash", "bash")
			script := `source <(rosetta completion bash)
read -ra W <<< "$LINE"; [[ $LINE == *' ' ]] && W+=('')
COMP_WORDS=("${W[@]}"); COMP_CWORD=$((${#W[@]}-1))
_rosetta_complete; printf '%s\n' "${COMPREPLY[@]}"`
			return runShell(t, sh, dir, line, "-c", script)
		},
		"zsh": func(t *testing.T, line string) []string {
			sh := testutil.Peer(t, "zsh", "zsh")
			// compadd and compdef are the completion system's; these
			// stand-ins print what the script offers (zsh filters by
			// prefix itself, so the test does too).
			script := `compdef() { :; }
typeset -A compstate; compstate[nmatches]=0
compadd() { [[ $1 == -a ]] && print -l -- ${(P)2}; }
_files() { :; }
source <(rosetta completion zsh)
words=(${(z)LINE}); [[ $LINE == *' ' ]] && words+=('')
CURRENT=${#words}
_rosetta`
			var out []string
			words := strings.Fields(line)
			prefix := ""
			if !strings.HasSuffix(line, " ") {
				prefix = words[len(words)-1]
			}
			for _, c := range runShell(t, sh, dir, line, "-f", "-c", script) {
				if strings.HasPrefix(c, prefix) {
					out = append(out, c)
				}
			}
			return out
		},
		"fish": func(t *testing.T, line string) []string {
			sh := testutil.Peer(t, "fish", "fish")
			return runShell(t, sh, dir, line, "--no-config", "-c", `rosetta completion fish | source; complete -C "$LINE"`)
		},
	}
	for name, complete := range shells {
		for _, tc := range cases {
			t.Run(name+"/"+tc.line, func(t *testing.T) {
				got := complete(t, tc.line)
				for _, w := range tc.want {
					if !slices.Contains(got, w) {
						t.Errorf("%q not offered; got %q", w, got)
					}
				}
				for _, w := range tc.not {
					if slices.Contains(got, w) {
						t.Errorf("%q offered; got %q", w, got)
					}
				}
			})
		}
	}
}

// runShell runs a shell script with the binary's directory first on PATH
// and LINE set, and returns its output lines (fish's "candidate\tdescr"
// cut to the candidate).
func runShell(t *testing.T, sh, dir, line string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(sh, args...)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "LINE="+line, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", sh, err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		l, _, _ = strings.Cut(l, "\t")
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
