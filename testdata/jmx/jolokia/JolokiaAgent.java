import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jolokia.backend.BackendManager;
import org.jolokia.config.ConfigKey;
import org.jolokia.config.Configuration;
import org.jolokia.http.HttpRequestHandler;
import org.jolokia.util.LogHandler;
import org.json.simple.JSONAware;

/**
 * A minimal Jolokia agent for Rosetta's tests: the test application's
 * MBeans served by the real jolokia-core (Debian's libjolokia-core-java)
 * over HTTP on 127.0.0.1 at /jolokia/. -Djolokia.user and
 * -Djolokia.password turn on basic auth. Usage: JolokiaAgent port
 */
public class JolokiaAgent {
    public static void main(String[] args) throws Exception {
        javax.management.MBeanServer mbs = TestApp.register();
        Configuration config = new Configuration(ConfigKey.AGENT_ID, "rosetta-test");
        LogHandler log = new LogHandler.StdoutLogHandler(false);
        BackendManager backend = new BackendManager(config, log);
        HttpRequestHandler handler = new HttpRequestHandler(config, backend, log);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 16);
        HttpContext ctx = server.createContext("/jolokia", exchange -> handle(handler, exchange));
        String user = System.getProperty("jolokia.user");
        String password = System.getProperty("jolokia.password");
        if (user != null) {
            ctx.setAuthenticator(new BasicAuthenticator("jolokia") {
                @Override
                public boolean checkCredentials(String u, String p) {
                    return user.equals(u) && password.equals(p);
                }
            });
        }
        server.start();
        TestApp.serve(mbs);
    }

    static void handle(HttpRequestHandler handler, HttpExchange ex) {
        try {
            URI uri = ex.getRequestURI();
            Map<String, String[]> params = new HashMap<>();
            if (uri.getRawQuery() != null) {
                for (String kv : uri.getRawQuery().split("&")) {
                    String[] p = kv.split("=", 2);
                    params.put(java.net.URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                            new String[] {p.length > 1 ? java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""});
                }
            }
            JSONAware json;
            if ("POST".equals(ex.getRequestMethod())) {
                json = handler.handlePostRequest(uri.toString(), ex.getRequestBody(), "UTF-8", params);
            } else {
                String path = uri.getPath().substring("/jolokia".length());
                json = handler.handleGetRequest(uri.toString(), path, params);
            }
            byte[] body = json.toJSONString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        } catch (Throwable t) {
            try {
                byte[] body = ("{\"status\":500,\"error\":\"" + t + "\"}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(500, body.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
            } catch (Exception ignored) {
                // the client went away
            }
        }
    }
}
