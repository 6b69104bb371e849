import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

// The oracle of Rosetta's Java regex translation (normalize): for each
// line "HEX(pattern) HEX(input)" on stdin it prints, for
// Pattern.compile(pattern).matcher(input).matches():
//   ERR <index> <description>      the pattern does not compile
//   NO                              no match
//   YES <HEX(group1)|-> ...          a match, each group's text or - (null)
public class JavaRegexOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        HexFormat hex = HexFormat.of();
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split(" ", -1);
            String pattern = new String(hex.parseHex(f[0]), StandardCharsets.UTF_8);
            String input = new String(hex.parseHex(f[1]), StandardCharsets.UTF_8);
            try {
                Matcher m = Pattern.compile(pattern).matcher(input);
                if (!m.matches()) {
                    out.println("NO");
                } else {
                    StringBuilder sb = new StringBuilder("YES");
                    for (int i = 1; i <= m.groupCount(); i++) {
                        String g = m.group(i);
                        sb.append(' ').append(g == null ? "-" : hex.formatHex(g.getBytes(StandardCharsets.UTF_8)));
                    }
                    out.println(sb);
                }
            } catch (PatternSyntaxException e) {
                out.println("ERR " + e.getIndex() + " " + e.getDescription().replace('\n', ' '));
            } catch (RuntimeException | StackOverflowError e) {
                out.println("ERR -1 " + e);
            }
            out.flush();
        }
    }
}
