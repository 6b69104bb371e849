import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Rosetta's oracle harness: runs the real jmx_exporter collector
 * (io.prometheus.jmx.JmxCollector, built from its source by
 * `make record-jmx-golden`) once with a jmx_exporter config file, in
 * standalone mode (the config's hostPort or jmxUrl), and prints what
 * jmx_exporter's HTTP server would serve for a Prometheus text scrape:
 * client_java's text format writer with the default escaping. Only the
 * families of the scraped beans are printed (not the collector's own
 * jmx_scrape_* and jmx_config_* metrics: SelfOracle.java prints those);
 * to make the output stable, the sample lines of each family are sorted (the collector emits them in
 * the order of a HashSet of bean names). A failed scrape exits 1. The
 * collector's log goes to stderr.
 *
 * Usage: java Oracle CONFIG.yml
 */
public class Oracle {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java Oracle CONFIG.yml");
            System.exit(2);
        }
        java.io.PrintStream stdout = logToStderr();
        PrometheusRegistry self = new PrometheusRegistry();
        JmxCollector collector = new JmxCollector(new File(args[0]), JmxCollector.Mode.STANDALONE).register(self);
        // register() also registers the collector itself: scrape the
        // registry once (one JMX scrape) and split the collector's own
        // metrics off.
        MetricSnapshots all = self.scrape();
        List<MetricSnapshot> beans = new ArrayList<>();
        for (MetricSnapshot s : all) {
            String name = s.getMetadata().getName();
            if (name.equals("jmx_scrape_error")) {
                double v = ((GaugeSnapshot) s).getDataPoints().get(0).getValue();
                if (v != 0) {
                    System.err.println("oracle: the JMX scrape failed (jmx_scrape_error " + v + ")");
                    System.exit(1);
                }
                continue;
            }
            if (name.startsWith("jmx_scrape_") || name.startsWith("jmx_config_reload_")) {
                continue;
            }
            beans.add(s);
        }
        stdout.print(sortSamples(text(beans)));
        stdout.flush();
        System.exit(0);
    }

    /**
     * Sends System.out, where the collector's logger writes, to stderr and
     * returns the real stdout, kept for the samples.
     */
    static java.io.PrintStream logToStderr() {
        java.io.PrintStream stdout = System.out;
        System.setOut(System.err);
        return stdout;
    }

    /**
     * Returns the snapshots as jmx_exporter's HTTP server writes them for a
     * Prometheus text scrape: client_java's text format writer with the
     * default escaping.
     */
    static String text(List<MetricSnapshot> snapshots) throws java.io.IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(buf, new MetricSnapshots(snapshots), EscapingScheme.DEFAULT);
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** Sorts the sample lines that follow each run of # lines. */
    static String sortSamples(String text) {
        StringBuilder out = new StringBuilder();
        List<String> samples = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                flush(out, samples);
                out.append(line).append('\n');
            } else {
                samples.add(line);
            }
        }
        flush(out, samples);
        return out.toString();
    }

    static void flush(StringBuilder out, List<String> samples) {
        Collections.sort(samples);
        for (String s : samples) {
            out.append(s).append('\n');
        }
        samples.clear();
    }
}
