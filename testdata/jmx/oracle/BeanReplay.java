import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Serves recorded jmx_exporter bean strings as MBeans, for applications
 * whose servers are not installed here (Kafka, Cassandra): each line
 * "domain<k1=v1, k2=v2><>Attr: value" becomes attribute Attr of the MBean
 * domain:k1=v1,k2=v2 (key properties registered in that order, as the
 * servers do), a Long, Double, Boolean or String as the value reads.
 * Lines with attribute keys (composite values), blank lines and # comments
 * are skipped. Remote JMX is opened by the JVM's flags; prints READY and
 * exits when stdin closes.
 *
 * Usage: java BeanReplay BEANS.txt
 */
public class BeanReplay {
    static final class Bean implements DynamicMBean {
        final Map<String, Object> attrs = new LinkedHashMap<>();

        public Object getAttribute(String name) throws AttributeNotFoundException {
            if (!attrs.containsKey(name)) {
                throw new AttributeNotFoundException(name);
            }
            return attrs.get(name);
        }

        public void setAttribute(Attribute a) {
            throw new UnsupportedOperationException("read-only");
        }

        public AttributeList getAttributes(String[] names) {
            AttributeList l = new AttributeList();
            for (String n : names) {
                if (attrs.containsKey(n)) {
                    l.add(new Attribute(n, attrs.get(n)));
                }
            }
            return l;
        }

        public AttributeList setAttributes(AttributeList l) {
            return new AttributeList();
        }

        public Object invoke(String op, Object[] params, String[] sig) {
            throw new UnsupportedOperationException(op);
        }

        public MBeanInfo getMBeanInfo() {
            List<MBeanAttributeInfo> infos = new ArrayList<>();
            for (Map.Entry<String, Object> e : attrs.entrySet()) {
                infos.add(new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(),
                        "Attribute exposed for management", true, false, false));
            }
            return new MBeanInfo(Bean.class.getName(), "replayed bean",
                    infos.toArray(new MBeanAttributeInfo[0]), null, null, null);
        }
    }

    static Object parse(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.valueOf(v);
        }
        if (v.matches("-?\\d+")) {
            return Long.valueOf(v);
        }
        try {
            return Double.valueOf(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, Bean> beans = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int lt = line.indexOf('<');
            int mid = line.indexOf("><");
            int end = line.indexOf('>', mid + 2);
            int colon = line.indexOf(": ", end);
            if (lt <= 0 || mid < lt || end != mid + 2 || colon < 0) {
                continue; // attribute keys, or not a bean string
            }
            String name = line.substring(0, lt) + ":" + line.substring(lt + 1, mid).replace(", ", ",");
            beans.computeIfAbsent(name, k -> new Bean()).attrs.put(line.substring(end + 1, colon), parse(line.substring(colon + 2)));
        }
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        for (Map.Entry<String, Bean> e : beans.entrySet()) {
            mbs.registerMBean(e.getValue(), new ObjectName(e.getKey()));
        }
        System.out.println("READY " + beans.size());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        while (in.readLine() != null) {
            // wait for stdin to close
        }
        System.exit(0);
    }
}
