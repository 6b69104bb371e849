import io.prometheus.jmx.BuildInfoMetrics;
import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Rosetta's oracle harness for jmx_exporter's own families: registers what
 * jmx_exporter's standalone server registers (BuildInfoMetrics and a
 * JmxCollector in standalone mode, on one registry, as its Standalone
 * class does), scrapes that registry SCRAPES times, and prints, in
 * client_java's text format, the families of the last scrape that are not
 * the beans' (jmx_scrape_*, jmx_config_reload_*, jmx_exporter_build_info).
 * The registry collects them before the collector scrapes the JVM, so a
 * scrape shows the outcome of the one before it. The collector's log goes
 * to stderr. It shares Oracle's output (Oracle.text) and log setup.
 *
 * Usage: java SelfOracle CONFIG.yml SCRAPES
 */
public class SelfOracle {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java SelfOracle CONFIG.yml SCRAPES");
            System.exit(2);
        }
        java.io.PrintStream stdout = Oracle.logToStderr();
        PrometheusRegistry registry = new PrometheusRegistry();
        new BuildInfoMetrics().register(registry);
        new JmxCollector(new File(args[0]), JmxCollector.Mode.STANDALONE).register(registry);
        MetricSnapshots all = null;
        for (int i = Integer.parseInt(args[1]); i > 0; i--) {
            all = registry.scrape();
        }
        List<MetricSnapshot> self = new ArrayList<>();
        for (MetricSnapshot s : all) {
            String name = s.getMetadata().getPrometheusName();
            if (name.startsWith("jmx_scrape_") || name.startsWith("jmx_config_reload_") || name.startsWith("jmx_exporter_build")) {
                self.add(s);
            }
        }
        stdout.print(Oracle.text(self));
        stdout.flush();
        System.exit(0);
    }
}
