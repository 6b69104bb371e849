import io.prometheus.jmx.JmxCollector;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Rosetta's config oracle: loads jmx_exporter configs with the real
 * collector (new JmxCollector(String): SnakeYAML, then its loadConfig) and
 * prints, for each, whether it is accepted and what it read. Used by
 * mappings' TestJMXExporterYAMLQuirks (-jmxoracle) to record
 * testdata/jmx/oracle/configquirks.golden.
 *
 * Input: one file of cases, each introduced by a line "=== ID" and
 * followed by the YAML of a config (no trailing newline is added).
 * Output, per case: "=== ID", then "ERR <exception class>" or "OK" and
 * one "key=value" line per field read (the config's flags and each rule's
 * fields, prefixed "rule<N>."; a rule's null field is "<null>").
 *
 * Usage: java ConfigOracle CASES.txt
 */
public class ConfigOracle {
    public static void main(String[] args) throws Exception {
        String all = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        java.io.PrintStream stdout = System.out;
        System.setOut(System.err); // the collector's logger
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (String part : all.split("(?m)^=== ", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            int nl = part.indexOf('\n');
            ids.add(part.substring(0, nl));
            bodies.add(part.substring(nl + 1));
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            out.append("=== ").append(ids.get(i)).append('\n');
            Object cfg;
            try {
                JmxCollector c = new JmxCollector(bodies.get(i));
                cfg = field(c, "config");
            } catch (Throwable t) {
                out.append("ERR ").append(t.getClass().getSimpleName()).append('\n');
                continue;
            }
            out.append("OK\n");
            for (String f : new String[] {"lowercaseOutputName", "lowercaseOutputLabelNames",
                    "inferCounterTypeFromName", "startDelaySeconds", "scrapeTimeoutSeconds", "jmxUrl", "username"}) {
                out.append(f).append('=').append(field(cfg, f)).append('\n');
            }
            List<?> rules = (List<?>) field(cfg, "rules");
            for (int r = 0; r < rules.size(); r++) {
                Object rule = rules.get(r);
                for (String f : new String[] {"pattern", "name", "value", "valueFactor", "help",
                        "attrNameSnakeCase", "cache", "type", "labelNames", "labelValues"}) {
                    Object v = field(rule, f);
                    out.append("rule").append(r).append('.').append(f).append('=')
                            .append(v == null ? "<null>" : String.valueOf(v)).append('\n');
                }
            }
        }
        stdout.print(out);
        stdout.flush();
    }

    static Object field(Object o, String name) throws Exception {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
