import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.modelmbean.DescriptorSupport;
import javax.management.modelmbean.ModelMBeanAttributeInfo;
import javax.management.modelmbean.ModelMBeanInfoSupport;
import javax.management.modelmbean.ModelMBeanOperationInfo;
import javax.management.modelmbean.RequiredModelMBean;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/**
 * Rosetta's JMX test application: registers MBeans with every attribute
 * type the JMX input interprets, beside the platform MBeans, prints READY
 * and waits. Remote JMX is started by the test with jcmd. -Dbeans=N adds
 * N small beans (performance runs), with two attributes each, or four with
 * -DbeanAttributes=4.
 */
public class TestApp {
    public enum Mode { ACTIVE, STANDBY }

    public interface TypesMBean {
        byte getByteValue();
        short getShortValue();
        int getIntValue();
        long getLongValue();
        float getFloatValue();
        double getDoubleValue();
        double getBigDouble();
        double getTinyDouble();
        double getNaNValue();
        Integer getBoxedInt();
        boolean isEnabled();
        Boolean getBoxedFalse();
        String getText();
        String getNullText();
        BigDecimal getBigDecimal();
        BigDecimal getSmallDecimal();
        BigInteger getBigInteger();
        AtomicLong getAtomicLong();
        AtomicInteger getAtomicInteger();
        LongAdder getAdder();
        Date getStarted();
        Mode getMode();
        long[] getLongArray();
        String[] getStringArray();
        UUID getUuid();
        CompositeData getLatency();
        TabularData getRequests();
        TabularData getByHostPort();
        int getCount();
        void setCount(int c);
    }

    public static class Types implements TypesMBean {
        private int count = 42;
        public byte getByteValue() { return (byte) -7; }
        public short getShortValue() { return (short) 1234; }
        public int getIntValue() { return -123456; }
        public long getLongValue() { return 9007199254740993L; }
        public float getFloatValue() { return 0.1f; }
        public double getDoubleValue() { return 2.5; }
        public double getBigDouble() { return 1.7e9; }
        public double getTinyDouble() { return 1.0e-4; }
        public double getNaNValue() { return Double.NaN; }
        public Integer getBoxedInt() { return 17; }
        public boolean isEnabled() { return true; }
        public Boolean getBoxedFalse() { return Boolean.FALSE; }
        public String getText() { return "héllo \"world\""; }
        public String getNullText() { return null; }
        public BigDecimal getBigDecimal() { return new BigDecimal("12345.6789"); }
        public BigDecimal getSmallDecimal() { return new BigDecimal("0.000000123"); }
        public BigInteger getBigInteger() { return new BigInteger("-123456789012345678901234567890"); }
        public AtomicLong getAtomicLong() { return new AtomicLong(77); }
        public AtomicInteger getAtomicInteger() { return new AtomicInteger(-5); }
        public LongAdder getAdder() { LongAdder a = new LongAdder(); a.add(1000); return a; }
        public Date getStarted() { return new Date(1700000000123L); }
        public Mode getMode() { return Mode.STANDBY; }
        public long[] getLongArray() { return new long[] {1, 2, 3}; }
        public String[] getStringArray() { return new String[] {"a", "b"}; }
        public UUID getUuid() { return new UUID(1, 2); }
        public int getCount() { return count; }
        public void setCount(int c) { count = c; }

        static final CompositeType LATENCY;
        static final TabularType REQUESTS;
        static final CompositeType HOSTPORT;
        static final TabularType BY_HOST_PORT;
        static {
            try {
                LATENCY = new CompositeType("Latency", "latency summary",
                        new String[] {"count", "p50", "p99"}, new String[] {"count", "p50", "p99"},
                        new OpenType<?>[] {SimpleType.LONG, SimpleType.DOUBLE, SimpleType.DOUBLE});
                CompositeType row = new CompositeType("RequestRow", "requests per path",
                        new String[] {"path", "value", "errors"}, new String[] {"path", "value", "errors"},
                        new OpenType<?>[] {SimpleType.STRING, SimpleType.LONG, SimpleType.INTEGER});
                REQUESTS = new TabularType("Requests", "requests per path", row, new String[] {"path"});
                HOSTPORT = new CompositeType("HostPort", "host and port",
                        new String[] {"host", "port"}, new String[] {"host", "port"},
                        new OpenType<?>[] {SimpleType.STRING, SimpleType.INTEGER});
                CompositeType hrow = new CompositeType("HostRow", "per host and port",
                        new String[] {"key", "Bytes"}, new String[] {"key", "Bytes"},
                        new OpenType<?>[] {HOSTPORT, SimpleType.LONG});
                BY_HOST_PORT = new TabularType("ByHostPort", "per host and port", hrow, new String[] {"key"});
            } catch (Exception e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        public CompositeData getLatency() {
            return composite(LATENCY, new String[] {"count", "p50", "p99"}, new Object[] {1000L, 1.5, 12.25});
        }

        public TabularData getRequests() {
            String[] items = {"path", "value", "errors"};
            return table(REQUESTS, items, new Object[] {"/a", 10L, 1}, new Object[] {"/b", 20L, 0});
        }

        public TabularData getByHostPort() {
            CompositeData k = composite(HOSTPORT, new String[] {"host", "port"}, new Object[] {"db1", 5432});
            return table(BY_HOST_PORT, new String[] {"key", "Bytes"}, new Object[] {k, 4096L});
        }

        /** The value of type whose items are values, in the order of names. */
        static CompositeData composite(CompositeType type, String[] names, Object[] values) {
            try {
                return new CompositeDataSupport(type, names, values);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }

        /** The table of type with one row for each of rows: its values, in the order of names. */
        static TabularData table(TabularType type, String[] names, Object[]... rows) {
            TabularDataSupport t = new TabularDataSupport(type);
            for (Object[] row : rows) {
                t.put(composite(type.getRowType(), names, row));
            }
            return t;
        }
    }

    public interface StatsMXBean {
        Map<String, Long> getRequestsByPath();
        String getState();
        long getUptime();
    }

    public static class Stats implements StatsMXBean {
        public Map<String, Long> getRequestsByPath() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("/x", 3L);
            m.put("/y", 4L);
            return m;
        }
        public String getState() { return "RUNNING"; }
        public long getUptime() { return 3600; }
    }

    public interface SmallMBean {
        long getValue();
        double getRatio();
    }

    public static class Small implements SmallMBean {
        private final long v;
        Small(long v) { this.v = v; }
        public long getValue() { return v; }
        public double getRatio() { return v / 4.0; }
    }

    public interface WideMBean extends SmallMBean {
        int getCount();
        boolean isActive();
    }

    /** A small bean with four attributes (-DbeanAttributes=4). */
    public static class Wide extends Small implements WideMBean {
        Wide(long v) { super(v); }
        public int getCount() { return (int) (getValue() % 1000); }
        public boolean isActive() { return getValue() % 2 == 0; }
    }

    public interface BadMBean {
        int getGood();
        Object getUnserializable();
        int getBroken();
    }

    /** A bean whose bulk read fails (one value is not serializable). */
    public static class Bad implements BadMBean {
        public int getGood() { return 5; }
        public Object getUnserializable() { return new Object(); }
        public int getBroken() { throw new IllegalStateException("broken attribute"); }
    }

    public interface SlowMBean {
        int getValue();
    }

    /** How long a read of com.example.slow:type=Slow's Value takes ("slow MS" on stdin). */
    static volatile long slowMillis;

    /** A bean whose read takes slowMillis (registered with -DslowBean=true): a slow JVM. */
    public static class Slow implements SlowMBean {
        public int getValue() {
            try {
                Thread.sleep(slowMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 7;
        }
    }

    public static class Holder {
        public int getSize() { return 11; }
    }

    public static void main(String[] args) throws Exception {
        MBeanServer mbs = register();
        serve(mbs);
    }

    /** Registers the test MBeans on the platform MBean server. */
    public static MBeanServer register() throws Exception {
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        mbs.registerMBean(new Types(), new ObjectName("com.example:type=Types,name=all"));
        mbs.registerMBean(new Stats(), new ObjectName("com.example:type=Stats,zone=eu,app=\"my app\""));

        ModelMBeanAttributeInfo size = new ModelMBeanAttributeInfo("Size", "int", "the size", true, false, false,
                new DescriptorSupport(new String[] {"name=Size", "descriptorType=attribute", "getMethod=getSize"}));
        ModelMBeanOperationInfo getSize = new ModelMBeanOperationInfo("getSize", "get size", null, "int",
                ModelMBeanOperationInfo.INFO);
        ModelMBeanInfoSupport info = new ModelMBeanInfoSupport(Holder.class.getName(), "a model MBean",
                new ModelMBeanAttributeInfo[] {size}, null, new ModelMBeanOperationInfo[] {getSize}, null);
        RequiredModelMBean model = new RequiredModelMBean(info);
        model.setManagedResource(new Holder(), "ObjectReference");
        mbs.registerMBean(model, new ObjectName("com.example:type=Model"));
        mbs.registerMBean(new Bad(), new ObjectName("com.example:type=Bad"));

        if (Boolean.getBoolean("slowBean")) {
            mbs.registerMBean(new Slow(), new ObjectName("com.example.slow:type=Slow"));
        }
        int n = Integer.getInteger("beans", 0);
        boolean wide = Integer.getInteger("beanAttributes", 2) == 4;
        for (int i = 0; i < n; i++) {
            ObjectName on = new ObjectName("com.example.bulk:type=Small,index=" + i);
            if (wide) {
                mbs.registerMBean(new Wide(i), on);
            } else {
                mbs.registerMBean(new Small(i), on);
            }
        }
        return mbs;
    }

    /** Prints READY, then serves stdin commands until stdin closes. */
    public static void serve(MBeanServer mbs) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        // Commands on stdin ("add N", "remove N") register and unregister
        // com.example.dyn:type=Dyn,id=N; "slow MS" makes the Slow bean's
        // read take MS milliseconds. The JVM exits when stdin closes, so it
        // never outlives its test.
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            if (f.length != 2) {
                continue;
            }
            ObjectName on = new ObjectName("com.example.dyn:type=Dyn,id=" + f[1]);
            if (f[0].equals("slow")) {
                slowMillis = Long.parseLong(f[1]);
            } else if (f[0].equals("add")) {
                mbs.registerMBean(new Small(Long.parseLong(f[1])), on);
            } else if (f[0].equals("remove")) {
                mbs.unregisterMBean(on);
            }
            System.out.println("OK " + line);
            System.out.flush();
        }
        System.exit(0);
    }
}
