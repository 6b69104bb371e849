package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/rosetta-adapter/rosetta/plugins/shared"
)

// Mode says how Rosetta gets samples from a driver.
type Mode int

// Modes.
const (
	// Push drivers implement Pusher.
	Push Mode = iota + 1
	// Pull drivers implement Puller.
	Pull
)

func (m Mode) String() string {
	switch m {
	case Push:
		return "push"
	case Pull:
		return "pull"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Info describes a driver.
type Info struct {
	// Name identifies the driver; [a-zA-Z0-9_.-]+.
	Name        string
	Version     string
	Description string
	Mode        Mode
}

// Driver is implemented by every plugin driver, together with Pusher or
// Puller as Info().Mode says.
type Driver interface {
	Info() Info
	// Configure receives the input's config block; it is called once,
	// before Run or the first Collect. Return ConfigErrors (errors.Join
	// them) to reject the block with positions.
	Configure(ctx context.Context, cfg Config) error
}

// Pusher is a push driver.
type Pusher interface {
	Driver
	// Run emits samples to w until ctx ends and returns nil then. Rosetta
	// restarts the plugin when Run returns early or fails.
	Run(ctx context.Context, w *Writer) error
}

// Puller is a pull driver.
type Puller interface {
	Driver
	// Collect emits the complete current state to w. An error marks this
	// poll failed (the driver's series are removed until a poll succeeds).
	Collect(ctx context.Context, w *Writer) error
}

// ErrNotLaunched is returned by Serve when the executable was not started
// by Rosetta.
var ErrNotLaunched = errors.New("not launched by Rosetta")

// Serve serves d to the Rosetta that launched this process and returns
// when Rosetta ends the plugin. It returns an error at once when d does not
// implement the interface of its mode or when the process was not started
// by Rosetta (run by hand, say); main should print it and exit non-zero.
func Serve(d Driver) error {
	if err := check(d); err != nil {
		return err
	}
	if os.Getenv(shared.Handshake.MagicCookieKey) != shared.Handshake.MagicCookieValue {
		return fmt.Errorf("%w: %s is a Rosetta input driver plugin (contract version %d); "+
			"configure it as an input of type plugin instead of running it", ErrNotLaunched, os.Args[0], shared.ContractVersion)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: shared.Handshake,
		Plugins:         shared.PluginMap(newServer(d)),
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Output:     stderr,
			Level:      hclog.Warn,
			JSONFormat: true,
		}),
	})
	return nil
}

func check(d Driver) error {
	info := d.Info()
	if info.Name == "" || strings.IndexFunc(info.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-')
	}) >= 0 {
		return fmt.Errorf("driver name %q must match [a-zA-Z0-9_.-]+", info.Name)
	}
	switch info.Mode {
	case Push:
		if _, ok := d.(Pusher); !ok {
			return fmt.Errorf("driver %q is a push driver but has no Run method", info.Name)
		}
	case Pull:
		if _, ok := d.(Puller); !ok {
			return fmt.Errorf("driver %q is a pull driver but has no Collect method", info.Name)
		}
	default:
		return fmt.Errorf("driver %q: mode %v is neither Push nor Pull", info.Name, info.Mode)
	}
	return nil
}

// stderr is the process's stderr as it was before plugin.Serve redirected
// os.Stderr into go-plugin's stdio stream. Rosetta reads it and parses
// JSON lines as structured logs.
var stderr = os.Stderr

// Logger returns a logger whose records reach Rosetta's log at their
// level, with the input's name and the plugin's.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{} // Rosetta stamps its own time.
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}
