package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/rosetta-adapter/rosetta/cmd/rosetta/inject"
)

// injectCommand is `rosetta inject`: the mutating admission webhook.
type injectCommand struct {
	cmd                              *kingpin.CmdClause
	listen, certFile, keyFile, image string
	pullPolicy                       string
	native                           bool
	releasePages                     bool
}

func registerInject(app *kingpin.Application) *injectCommand {
	c := &injectCommand{}
	c.cmd = app.Command("inject", "Serve a Kubernetes mutating admission webhook (HTTPS, POST /mutate) that adds Rosetta to pods annotated rosetta.dev/inject: \"true\"; /metrics and /healthz on the same port.")
	d := inject.DefaultOptions
	c.cmd.Flag("inject.listen-address", "Address of the webhook's HTTPS server.").Default(":8443").StringVar(&c.listen)
	c.cmd.Flag("tls.cert-file", "The webhook's certificate (PEM), reloaded when it changes.").Required().StringVar(&c.certFile)
	c.cmd.Flag("tls.key-file", "The certificate's key (PEM).").Required().StringVar(&c.keyFile)
	c.cmd.Flag("inject.image", "Rosetta's image for injected pods.").Default(d.Image).StringVar(&c.image)
	c.cmd.Flag("inject.image-pull-policy", "Its pull policy.").Default(d.PullPolicy).EnumVar(&c.pullPolicy, "Always", "IfNotPresent", "Never")
	c.cmd.Flag("inject.native-sidecar", "Add Rosetta as a native sidecar (an init container with restartPolicy Always; Kubernetes 1.29+); --no-inject.native-sidecar for a plain container.").Default("true").BoolVar(&c.native)
	c.cmd.Flag("runtime.release-startup-pages", "Half a second after start-up"+releasePagesHelp).
		Default("true").BoolVar(&c.releasePages)
	return c
}

func (c *injectCommand) run(logger *slog.Logger) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := c.serve(ctx, logger, nil); err != nil {
		logger.Error("rosetta inject stopped", "err", err)
		return 1
	}
	return 0
}

// serve runs the webhook until ctx ends; l, when set, is the listener.
func (c *injectCommand) serve(ctx context.Context, logger *slog.Logger, l net.Listener) error {
	tlsCfg, err := inject.TLSConfig(c.certFile, c.keyFile)
	if err != nil {
		return err
	}
	o := inject.DefaultOptions
	o.Image, o.PullPolicy, o.NativeSidecar = c.image, c.pullPolicy, c.native
	srv := &http.Server{
		Handler:           inject.NewServeMux(o, logger),
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if l == nil {
		if l, err = net.Listen("tcp", c.listen); err != nil {
			return err
		}
	}
	logger.Info("rosetta inject listening", "address", l.Addr().String(), "image", o.Image, "native_sidecar", o.NativeSidecar)
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(l, "", "") }()
	// The webhook runs for as long as its Deployment: the pages start-up
	// touched go once it is serving, as in `rosetta run`.
	var wg sync.WaitGroup
	defer wg.Wait()
	pctx, stopPages := context.WithCancel(ctx)
	defer stopPages()
	pages := newPageReleaser(c.releasePages)
	pages.kick()
	wg.Go(func() { pages.run(pctx, logger) })
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
