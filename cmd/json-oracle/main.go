// Command json-oracle runs the real json_exporter (built outside this
// repository; see `make record-json-golden`) as the oracle of the json
// input's json_exporter configs.
//
//	json-oracle -json-exporter BIN record DIR
//
// probes json_exporter, for every config DIR/CASE.yml and each of its
// modules, on the document DIR/CASE.json and writes what /probe served to
// DIR/CASE.MODULE.prom (the goldens `make test` compares Rosetta with).
//
//	json-oracle -json-exporter BIN examples REPO
//
// checks every config in json_exporter's REPO/examples/ (each module, on
// each example document) against Rosetta, loaded unchanged.
//
// Both print Rosetta's differences and exit 1 when there are any.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/cmd/internal/benchenv"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonoracle"
)

func main() {
	bin := flag.String("json-exporter", os.Getenv("JSON_EXPORTER"), "json_exporter binary (required)")
	flag.Parse()
	if *bin == "" || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: json-oracle -json-exporter BIN record DIR | examples REPO")
		os.Exit(2)
	}
	var err error
	switch flag.Arg(0) {
	case "record":
		err = record(*bin, flag.Arg(1))
	case "examples":
		err = examples(*bin, flag.Arg(1))
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "json-oracle:", err)
		os.Exit(1)
	}
}

// probe is one json_exporter config, module and document.
type probe struct {
	config, module, doc string
}

// request is what json_exporter sent to the document server for a probe.
type request struct {
	target, method, body string
}

// probeFunc probes a module on a document file; it returns /probe's
// status and body and the request json_exporter sent for the document.
type probeFunc func(module, doc string) (int, []byte, request, error)

// run starts json_exporter on config and returns a function probing a
// module on a document file (served from config's directory, named by
// its base name, so that the target a module's body template sees is the
// same in every run but for the port), and a stop function.
func run(bin, config string) (probeFunc, func(), error) {
	root := filepath.Dir(config)
	var (
		mu   sync.Mutex
		last request
	)
	docs := http.NewServeMux()
	docs.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = request{method: r.Method, body: string(b)}
		mu.Unlock()
		http.ServeFile(w, r, filepath.Join(root, filepath.Base(r.URL.Query().Get("file")))) //nolint:gosec // G703: a loopback server for json_exporter, serving the documents this tool names
	})
	docSrv, docAddr, err := benchenv.Serve(docs)
	if err != nil {
		return nil, nil, err
	}
	ap, err := benchenv.FreeAddr()
	if err != nil {
		docSrv.Close()
		return nil, nil, err
	}
	addr := ap.String()
	//nolint:gosec // G702: runs the json_exporter this tool was given
	cmd := exec.Command(bin, "--config.file="+config, "--web.listen-address="+addr, "--log.level=error")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		docSrv.Close()
		return nil, nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		docSrv.Close()
	}
	if err := benchenv.WaitUp(client, "http://"+addr+"/metrics", 20*time.Second); err != nil {
		stop()
		return nil, nil, fmt.Errorf("json_exporter did not come up on %s: %w\n%s", config, err, logs.String())
	}
	probeFn := func(module, doc string) (int, []byte, request, error) {
		target := jsonoracle.DocTarget(docAddr, doc)
		mu.Lock()
		last = request{}
		mu.Unlock()
		status, body, err := get("http://" + addr + "/probe?module=" + url.QueryEscape(module) + "&target=" + url.QueryEscape(target))
		mu.Lock()
		req := last
		mu.Unlock()
		req.target = target
		return status, body, req, err
	}
	return probeFn, stop, nil
}

var client = &http.Client{Timeout: 30 * time.Second}

func get(u string) (int, []byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// modules lists a json_exporter config's modules.
func modules(config string) ([]string, error) {
	b, err := os.ReadFile(config)
	if err != nil {
		return nil, err
	}
	var c struct {
		Modules map[string]yaml.Node `yaml:"modules"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	var out []string
	for m := range c.Modules {
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}

// compare probes json_exporter and reads with Rosetta; it returns the
// exposition, the request json_exporter sent for the document, and
// Rosetta's differences ("" when equal): in the series, and in the request
// (method and body: a module's rendered body template).
func compare(probeFn probeFunc, p probe) ([]byte, request, int, string, error) {
	body, req, series, diff, err := compareSeries(probeFn, p)
	if err != nil || req.method == "" {
		return body, req, series, diff, err
	}
	method, sent, err := jsonoracle.RosettaRequest(p.config, p.module, req.target)
	if err != nil {
		return body, req, series, diff, fmt.Errorf("rosetta: %w", err)
	}
	if method != req.method || sent != req.body {
		diff += fmt.Sprintf("- request %s %q\n+ request %s %q\n", req.method, req.body, method, sent)
	}
	return body, req, series, diff, nil
}

func compareSeries(probeFn probeFunc, p probe) ([]byte, request, int, string, error) {
	status, body, req, err := probeFn(p.module, p.doc)
	if err != nil {
		return nil, req, 0, "", err
	}
	if status != http.StatusOK {
		return nil, req, 0, "", fmt.Errorf("json_exporter /probe: HTTP %d: %s", status, bytes.TrimSpace(body))
	}
	want, err := jsonoracle.Exposition(body)
	if err != nil {
		return nil, req, 0, "", fmt.Errorf("json_exporter's output: %w", err)
	}
	series := 0
	for _, l := range want {
		if !strings.HasPrefix(l, "# ") {
			series++
		}
	}
	doc, err := os.ReadFile(p.doc)
	if err != nil {
		return nil, req, 0, "", err
	}
	got, err := jsonoracle.Rosetta(p.config, p.module, doc)
	if err != nil {
		return body, req, series, "", fmt.Errorf("rosetta: %w", err)
	}
	return body, req, series, jsonoracle.Diff(want, got), nil
}

func record(bin, dir string) error {
	configs, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		return err
	}
	var failed []string
	for _, config := range configs {
		doc := strings.TrimSuffix(config, ".yml") + ".json"
		mods, err := modules(config)
		if err != nil {
			return fmt.Errorf("%s: %w", config, err)
		}
		probeFn, stop, err := run(bin, config)
		if err != nil {
			return err
		}
		for _, m := range mods {
			p := probe{config, m, doc}
			body, req, _, diff, err := compare(probeFn, p)
			base := strings.TrimSuffix(config, ".yml") + "." + m
			if body != nil {
				if werr := writeGolden(base+".prom", body); werr != nil {
					stop()
					return werr
				}
			}
			// The request json_exporter sent, when it was not a plain GET
			// (a module's body), as METHOD\nBODY.
			if werr := os.Remove(base + ".request"); werr != nil && !errors.Is(werr, os.ErrNotExist) {
				stop()
				return werr
			}
			if req.method != "" && (req.method != http.MethodGet || req.body != "") {
				if werr := writeGolden(base+".request", []byte(req.method+"\n"+req.body)); werr != nil {
					stop()
					return werr
				}
			}
			if err != nil || diff != "" {
				failed = append(failed, fmt.Sprintf("%s module %s: %v\n%s", config, m, err, diff))
			}
		}
		stop()
	}
	if len(failed) > 0 {
		return errors.New("Rosetta differs (-json_exporter +rosetta):\n" + strings.Join(failed, "\n"))
	}
	return nil
}

func writeGolden(name string, b []byte) error {
	if err := os.WriteFile(name, b, 0o644); err != nil { //nolint:gosec // G306: goldens are committed files
		return err
	}
	fmt.Printf("recorded %s\n", name)
	return nil
}

func examples(bin, repo string) error {
	dir := filepath.Join(repo, "examples")
	configs, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		return err
	}
	docs, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	var failed []string
	checked := 0
	for _, config := range configs {
		mods, err := modules(config)
		if err != nil || len(mods) == 0 {
			fmt.Printf("%s: not a json_exporter config (no modules), skipped\n", config)
			continue
		}
		probeFn, stop, err := run(bin, config)
		if err != nil {
			return err
		}
		for _, m := range mods {
			for _, doc := range docs {
				_, _, series, diff, err := compare(probeFn, probe{config, m, doc})
				checked++
				switch {
				case err != nil:
					failed = append(failed, fmt.Sprintf("%s module %s on %s: %v", config, m, doc, err))
					fmt.Printf("FAIL  %s module %s on %s: %v\n", filepath.Base(config), m, filepath.Base(doc), err)
				case diff != "":
					failed = append(failed, fmt.Sprintf("%s module %s on %s:\n%s", config, m, doc, diff))
					fmt.Printf("DIFF  %s module %s on %s\n", filepath.Base(config), m, filepath.Base(doc))
				default:
					fmt.Printf("equal %s module %s on %s (%d series)\n", filepath.Base(config), m, filepath.Base(doc), series)
				}
			}
		}
		stop()
	}
	if len(failed) > 0 {
		return errors.New("Rosetta differs (-json_exporter +rosetta):\n" + strings.Join(failed, "\n"))
	}
	if checked == 0 {
		return errors.New("no example checked")
	}
	fmt.Printf("%d config/module/document combinations equal\n", checked)
	return nil
}
