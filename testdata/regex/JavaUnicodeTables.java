import java.lang.reflect.Field;
import java.util.Map;
import java.util.TreeMap;

// Prints java.lang.Character's Unicode blocks and scripts, for
// normalize/gen_javaunicode.go (go generate ./normalize): the JVM's own
// tables (Java 17: Unicode 13), which \p{InX}, \p{blk=X}, \p{IsX} and
// \p{sc=X} read. Lines, tab-separated:
//   B|S name lo hi     a range (hex) of the block or script name
//   BK|SK key name     a key forName accepts (after upper-casing)
//   G type lo hi       a range of java.util.regex.Grapheme's type (1 CR
//                      ... 14 EXTENDED_PICTOGRAPHIC; none: 0, OTHER)
//   P name lo hi       a range of \p{name}, a Character.isX property Go
//                      has no table for (javaMirrored: isMirrored)
// Run with --add-opens java.base/java.lang=ALL-UNNAMED and
// java.base/java.util.regex=ALL-UNNAMED (private maps and methods).
public class JavaUnicodeTables {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        String prev = null;
        int start = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
            Character.UnicodeBlock b = cp <= Character.MAX_CODE_POINT ? Character.UnicodeBlock.of(cp) : null;
            String name = b == null ? null : b.toString();
            if (name == null ? prev != null : !name.equals(prev)) {
                if (prev != null) out.append(String.format("B\t%s\t%x\t%x%n", prev, start, cp - 1));
                prev = name;
                start = cp;
            }
        }
        prev = null;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
            String name = cp <= Character.MAX_CODE_POINT ? Character.UnicodeScript.of(cp).name() : null;
            if (name == null ? prev != null : !name.equals(prev)) {
                if (prev != null) out.append(String.format("S\t%s\t%x\t%x%n", prev, start, cp - 1));
                prev = name;
                start = cp;
            }
        }
        java.lang.reflect.Method getType = Class.forName("java.util.regex.Grapheme").getDeclaredMethod("getType", int.class);
        getType.setAccessible(true);
        int prevType = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
            int type = cp <= Character.MAX_CODE_POINT ? (Integer) getType.invoke(null, cp) : 0;
            if (type != prevType) {
                if (prevType != 0) out.append(String.format("G\t%d\t%x\t%x%n", prevType, start, cp - 1));
                prevType = type;
                start = cp;
            }
        }
        String[] props = {"Mirrored", "JavaIdentifierStart", "JavaIdentifierPart", "UnicodeIdentifierStart", "UnicodeIdentifierPart", "IdentifierIgnorable"};
        for (String p : props) {
            java.lang.reflect.Method m = Character.class.getMethod("is" + p, int.class);
            boolean prevIn = false;
            for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
                boolean in = cp <= Character.MAX_CODE_POINT && (Boolean) m.invoke(null, cp);
                if (in != prevIn) {
                    if (prevIn) out.append(String.format("P\tjava%s\t%x\t%x%n", p, start, cp - 1));
                    prevIn = in;
                    start = cp;
                }
            }
        }
        Field f = Character.UnicodeBlock.class.getDeclaredField("map");
        f.setAccessible(true);
        for (Map.Entry<?, ?> e : new TreeMap<Object, Object>((Map<?, ?>) f.get(null)).entrySet()) {
            out.append(String.format("BK\t%s\t%s%n", e.getKey(), e.getValue()));
        }
        for (Character.UnicodeScript s : Character.UnicodeScript.values()) {
            out.append(String.format("SK\t%s\t%s%n", s.name(), s.name()));
        }
        f = Character.UnicodeScript.class.getDeclaredField("aliases");
        f.setAccessible(true);
        for (Map.Entry<?, ?> e : new TreeMap<Object, Object>((Map<?, ?>) f.get(null)).entrySet()) {
            out.append(String.format("SK\t%s\t%s%n", e.getKey(), ((Character.UnicodeScript) e.getValue()).name()));
        }
        System.out.print(out);
    }
}
