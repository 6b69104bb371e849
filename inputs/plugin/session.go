package plugin

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// ErrConfigRejected is wrapped by the error of a plugin that rejected its
// config block; the message has each problem with its file position.
var ErrConfigRejected = errors.New("plugin rejected its config")

// ErrIncompatible is wrapped by the error of a plugin that speaks another
// version of the contract or the handshake.
var ErrIncompatible = errors.New("incompatible plugin")

// session is one launch of the plugin.
type session struct {
	client  *plugin.Client
	cmd     *exec.Cmd
	rpc     pluginpb.DriverClient
	info    *pluginpb.DescribeResponse
	started time.Time
}

// startError is a launch failure and the failure reason for the metrics.
type startError struct {
	reason string
	err    error
}

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// launch starts the plugin, checks what it is and configures it.
func (d *Driver) launch(ctx context.Context) (s *session, err error) {
	cfg := d.cfg
	cmd := exec.Command(cfg.Path, cfg.Args...)
	for k, v := range cfg.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	dieWithParent(cmd)

	stderrTail := &tail{}
	cc := &plugin.ClientConfig{
		HandshakeConfig:  shared.Handshake,
		Plugins:          shared.PluginMap(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           d.hclog,
		AutoMTLS:         cfg.AutoMTLS,
		SkipHostEnv:      !cfg.InheritEnv,
		StartTimeout:     cfg.StartTimeout,
		Stderr:           stderrTail,
		// go-plugin's copiers call these: a panic in them is the input's.
		SyncStdout: &lineWriter{ctx: ctx, log: func(l string) { d.logger.Info(l, "stream", "stdout") }},
		SyncStderr: &lineWriter{ctx: ctx, log: func(l string) { d.logger.Info(l, "stream", "stderr") }},
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.MaxMessageBytes)),
		},
	}
	if d.checksum != nil {
		cc.SecureConfig = &plugin.SecureConfig{Checksum: d.checksum, Hash: sha256.New()}
	}
	t0 := time.Now()
	client := plugin.NewClient(cc)
	defer func() {
		if err != nil {
			client.Kill()
		}
	}()
	rpcClient, err := client.Client()
	if err != nil {
		msg := fmt.Sprintf("plugin %s: handshake failed (Rosetta speaks plugin protocol version %d): %v", cfg.Path, shared.ContractVersion, err)
		// go-plugin copies the process's stderr on its own goroutine: give
		// what the plugin said before it exited a moment to arrive.
		for deadline := time.Now().Add(time.Second); stderrTail.String() == "" && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if t := stderrTail.String(); t != "" {
			msg += "; plugin stderr: " + t
		}
		if strings.Contains(strings.ToLower(err.Error()), "incompatible") {
			return nil, &startError{failStart, fmt.Errorf("%w: %s", ErrIncompatible, msg)}
		}
		return nil, &startError{failStart, errors.New(msg)}
	}
	raw, err := rpcClient.Dispense(shared.PluginName)
	if err != nil {
		return nil, &startError{failStart, fmt.Errorf("plugin %s: dispensing %q: %w", cfg.Path, shared.PluginName, err)}
	}
	rpc := raw.(pluginpb.DriverClient)

	cctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer cancel()
	info, err := rpc.Describe(cctx, &pluginpb.DescribeRequest{ContractVersion: shared.ContractVersion, HostVersion: d.hostVersion})
	if err != nil {
		return nil, &startError{failDescribe, fmt.Errorf("plugin %s: describe: %w", cfg.Path, err)}
	}
	if info.ContractVersion != shared.ContractVersion {
		return nil, &startError{failDescribe, fmt.Errorf("%w: plugin %q (%s, version %q) speaks contract version %d; this Rosetta speaks %d",
			ErrIncompatible, info.Name, cfg.Path, info.Version, info.ContractVersion, shared.ContractVersion)}
	}
	if !validName(info.Name) {
		return nil, &startError{failDescribe, fmt.Errorf("plugin %s: name %q must match [a-zA-Z0-9_.-]+", cfg.Path, info.Name)}
	}
	if info.Mode != pluginpb.Mode_MODE_PUSH && info.Mode != pluginpb.Mode_MODE_PULL {
		return nil, &startError{failDescribe, fmt.Errorf("plugin %q (%s): mode %v is neither push nor pull", info.Name, cfg.Path, info.Mode)}
	}

	resp, err := rpc.Configure(cctx, &pluginpb.ConfigureRequest{
		InputName:  d.name,
		ConfigYaml: d.configYAML,
		ConfigJson: d.configJSON,
	})
	if err != nil {
		return nil, &startError{failConfigure, fmt.Errorf("plugin %q (%s): configure: %w", info.Name, cfg.Path, err)}
	}
	if len(resp.Errors) > 0 {
		return nil, &startError{failConfigure, d.configErrors(info.Name, resp.Errors)}
	}
	d.metrics.startDur.Set(time.Since(t0).Seconds())
	return &session{client: client, cmd: cmd, rpc: rpc, info: info, started: t0}, nil
}

func validName(n string) bool {
	if n == "" || len(n) > 128 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// configErrors positions the plugin's config errors in Rosetta's config
// file: a plugin's line (relative to the YAML text it got) is mapped back
// through the path of the value on that line; a path is resolved in the
// original block; otherwise the block itself is the position.
func (d *Driver) configErrors(plugin string, ces []*pluginpb.ConfigError) error {
	errs := make([]error, 0, len(ces))
	for _, ce := range ces {
		path := ce.Path
		if ce.Line > 0 && path == "" {
			path = pathAtLine(d.configYAML, int(ce.Line))
		}
		at := d.configPos
		if d.cfg.Config.Kind != 0 {
			if n, _ := resolvePath(&d.cfg.Config, path); n != nil {
				at = position{n.Line, n.Column}
			}
		}
		label := "config"
		if path != "" {
			label += "." + path
		}
		errs = append(errs, fmt.Errorf("%d:%d: plugin input %q (plugin %q): %s: %s", at.line, at.col, d.name, plugin, label, ce.Message))
	}
	return fmt.Errorf("%w: %w", ErrConfigRejected, errors.Join(errs...))
}

type position struct{ line, col int }

// kill ends the session. A graceful kill asks the plugin to shut down
// (go-plugin waits up to 2 s) before killing it; otherwise it is killed at
// once, as a hung plugin must be.
func (s *session) kill(graceful bool) {
	if !graceful && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	s.client.Kill()
}
