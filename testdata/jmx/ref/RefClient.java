import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularType;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reference client for the BenchmarkPollVsJava benchmark (inputs/jmx), where
 * jmx_exporter itself is not on the machine: reads every MBean over the
 * JDK's own JMX client, with jmx_exporter's calls, and prints, for each
 * sample, jmx_exporter's match
 * string and default series, following jmx_exporter's documented
 * semantics (JmxScraper.processBeanValue, recordBean, defaultExport,
 * safeName). Output: two lines per sample, "match" then
 * "  name{l="v", ...} value", with value as Double.toString.
 *
 * Rosetta's output is compared with the real jmx_exporter collector's by
 * inputs/jmx/oracle, not with this client's.
 *
 * Usage: java RefClient host:port [objectNamePattern] [repeat]
 * With repeat > 1 it reads everything that many times and prints the
 * timing only (performance runs). With repeat "stdin" it polls once per
 * line read from stdin (a harness interleaving it with other pollers),
 * printing each poll's line, and ends at EOF.
 */
public class RefClient {
    private static final Pattern PROPERTY_PATTERN = Pattern.compile(
            "([^,=:\\*\\?]+)=(\"(?:[^\\\\\"]*(?:\\\\.)?)*\"|[^,=:\"]*)");
    private final StringBuilder out = new StringBuilder();
    private boolean print = true;

    public static void main(String[] args) throws Exception {
        String pattern = args.length > 1 ? args[1] : null;
        boolean onStdin = args.length > 2 && args[2].equals("stdin");
        int repeat = onStdin ? Integer.MAX_VALUE : args.length > 2 ? Integer.parseInt(args[2]) : 1;
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + args[0] + "/jmxrmi");
        RefClient rc = new RefClient();
        rc.print = repeat <= 1;
        long best = Long.MAX_VALUE;
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection conn = c.getMBeanServerConnection();
            for (int i = 0; i < Math.max(1, repeat); i++) {
                if (onStdin && in.readLine() == null) {
                    break;
                }
                long t0 = System.nanoTime();
                int n = rc.scrape(conn, pattern == null || pattern.isEmpty() ? null : new ObjectName(pattern));
                long dt = System.nanoTime() - t0;
                best = Math.min(best, dt);
                if (!rc.print) {
                    System.out.println("poll " + i + " beans " + n + " seconds " + dt / 1e9);
                    System.out.flush();
                }
            }
        }
        if (rc.print) {
            System.out.print(rc.out);
        } else {
            System.out.println("best seconds " + best / 1e9);
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    System.out.println("peak rss kB " + line.replaceAll("[^0-9]", ""));
                }
            }
        }
    }

    int scrape(MBeanServerConnection conn, ObjectName pattern) throws Exception {
        Set<ObjectName> names = conn.queryNames(pattern, null);
        int n = 0;
        for (ObjectName name : names) {
            if (name.toString().equals("jdk.management.jfr:type=FlightRecorder")) {
                continue;
            }
            MBeanInfo info = conn.getMBeanInfo(name);
            Map<String, MBeanAttributeInfo> byName = new LinkedHashMap<>();
            for (MBeanAttributeInfo a : info.getAttributes()) {
                if (!a.isReadable()) {
                    continue;
                }
                if (name.toString().equals("java.lang:type=Runtime") && (a.getName().equals("SystemProperties")
                        || a.getName().equals("ClassPath") || a.getName().equals("BootClassPath")
                        || a.getName().equals("LibraryPath"))) {
                    continue;
                }
                byName.put(a.getName(), a);
            }
            if (byName.isEmpty()) {
                n++;
                continue;
            }
            AttributeList attrs;
            try {
                attrs = conn.getAttributes(name, byName.keySet().toArray(new String[0]));
            } catch (Exception e) {
                attrs = new AttributeList();
                for (String a : byName.keySet()) {
                    try {
                        attrs.add(new Attribute(a, conn.getAttribute(name, a)));
                    } catch (Exception ignored) {
                        // unreadable attribute: skipped, as jmx_exporter does
                    }
                }
            }
            LinkedHashMap<String, String> props = keyProperties(name);
            for (Attribute a : attrs.asList()) {
                MBeanAttributeInfo ai = byName.get(a.getName());
                if (ai == null) {
                    continue;
                }
                processBeanValue(name.getDomain(), props, new ArrayList<>(), ai.getName(), a.getValue());
            }
            n++;
        }
        return n;
    }

    static LinkedHashMap<String, String> keyProperties(ObjectName name) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        Matcher matcher = PROPERTY_PATTERN.matcher(name.getKeyPropertyListString());
        while (matcher.find()) {
            m.put(matcher.group(1), matcher.group(2));
        }
        return m;
    }

    void processBeanValue(String domain, LinkedHashMap<String, String> props, List<String> attrKeys,
            String attrName, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof Date) {
            if (value instanceof Date) {
                value = ((Date) value).getTime() / 1000.0;
            }
            recordBean(domain, props, attrKeys, attrName, value);
        } else if (value instanceof CompositeData) {
            CompositeData composite = (CompositeData) value;
            CompositeType type = composite.getCompositeType();
            List<String> keys = new ArrayList<>(attrKeys);
            keys.add(attrName);
            for (String key : type.keySet()) {
                processBeanValue(domain, props, keys, key, composite.get(key));
            }
        } else if (value instanceof TabularData) {
            TabularData tds = (TabularData) value;
            TabularType tt = tds.getTabularType();
            List<String> rowKeys = tt.getIndexNames();
            CompositeType type = tt.getRowType();
            Set<String> valueKeys = new TreeSet<>(type.keySet());
            rowKeys.forEach(valueKeys::remove);
            List<String> ext = new ArrayList<>(attrKeys);
            ext.add(attrName);
            for (Object row : tds.values()) {
                if (!(row instanceof CompositeData)) {
                    continue;
                }
                CompositeData composite = (CompositeData) row;
                LinkedHashMap<String, String> l2s = new LinkedHashMap<>(props);
                for (String idx : rowKeys) {
                    Object obj = composite.get(idx);
                    if (obj == null) {
                        continue;
                    }
                    while (l2s.containsKey(idx)) {
                        idx = idx + "_";
                    }
                    if (obj instanceof CompositeData) {
                        CompositeData ck = (CompositeData) obj;
                        for (String sub : ck.getCompositeType().keySet()) {
                            l2s.put(idx + "_" + sub, ck.get(sub).toString());
                        }
                    } else {
                        l2s.put(idx, obj.toString());
                    }
                }
                for (String vk : valueKeys) {
                    List<String> names = ext;
                    String nm = vk;
                    if (vk.equalsIgnoreCase("value")) {
                        names = attrKeys;
                        nm = attrName;
                    }
                    processBeanValue(domain, l2s, names, nm, composite.get(vk));
                }
            }
        } else if (value.getClass().isEnum()) {
            processBeanValue(domain, props, attrKeys, attrName, value.toString());
        }
        // arrays and other types are not exported
    }

    void recordBean(String domain, LinkedHashMap<String, String> props, List<String> attrKeys, String attrName,
            Object value) {
        double v;
        if (value instanceof Number) {
            v = ((Number) value).doubleValue();
        } else if (value instanceof Boolean) {
            v = ((Boolean) value) ? 1 : 0;
        } else {
            return;
        }
        if (!print) {
            return;
        }
        String beanName = domain + angle(props.toString()) + angle(attrKeys.toString());
        out.append(beanName).append(attrName).append(": ").append(value).append('\n');
        StringBuilder name = new StringBuilder(domain);
        if (!props.isEmpty()) {
            name.append('_').append(props.values().iterator().next());
        }
        for (String k : attrKeys) {
            name.append('_').append(k);
        }
        name.append('_').append(attrName);
        out.append("  ").append(safeName(name.toString())).append('{');
        boolean first = true;
        boolean skip = true;
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (skip) {
                skip = false;
                continue;
            }
            if (!first) {
                out.append(", ");
            }
            first = false;
            out.append(safeName(e.getKey())).append("=\"").append(e.getValue()).append('"');
        }
        out.append("} ").append(Double.toString(v)).append('\n');
    }

    static String angle(String s) {
        return "<" + s.substring(1, s.length() - 1) + ">";
    }

    static String safeName(String name) {
        StringBuilder b = new StringBuilder(name.length());
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
            b.append('_');
        }
        boolean prev = false;
        for (char c : name.toCharArray()) {
            boolean legal = c == ':' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9');
            if (!legal || c == '_') {
                if (prev) {
                    continue;
                }
                b.append('_');
                prev = true;
            } else {
                b.append(c);
                prev = false;
            }
        }
        return b.toString();
    }
}
