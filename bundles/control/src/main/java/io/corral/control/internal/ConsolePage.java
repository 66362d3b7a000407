package io.corral.control.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.port.PortId;
import io.corral.api.port.PortInfo;
import io.corral.api.port.PortRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The web console under {@code /console}: one page (the bundle's
 * {@code console/index.html}) that reads {@code /status} and {@code /config}
 * and acts through {@code /control}, plus what the control API does not
 * give: {@code /console/ports} (the port registry and its matrices) and
 * {@code /console/log/NAME?lines=N} (the end of an application's log).
 */
final class ConsolePage extends Handler.Abstract {

    /** The most log lines one request returns. */
    static final int MAX_LINES = 1000;
    /** How far back from the end of a log file the lines are looked for. */
    private static final int TAIL_BYTES = 256 * 1024;

    private final ApplicationManager apps;
    private final Supplier<Optional<PortRegistry>> ports;
    private final byte[] page;

    ConsolePage(ApplicationManager apps, Supplier<Optional<PortRegistry>> ports) throws IOException {
        this.apps = apps;
        this.ports = ports;
        try (InputStream in = ConsolePage.class.getResourceAsStream("/console/index.html")) {
            if (in == null) {
                throw new IOException("console/index.html is missing from the bundle");
            }
            this.page = in.readAllBytes();
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (!request.getMethod().equals("GET")) {
            HttpFront.write(response, callback, new ControlApi.Reply(405, error("Method isn't allowed.")));
            return true;
        }
        if (path.equals("/console") || path.equals("/console/")) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            response.getHeaders().put("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline';"
                + " style-src 'unsafe-inline'; frame-ancestors 'none'");
            response.getHeaders().put("X-Frame-Options", "DENY");
            response.write(true, ByteBuffer.wrap(page), callback);
            return true;
        }
        if (path.equals("/console/ports")) {
            HttpFront.write(response, callback, new ControlApi.Reply(200, ports()));
            return true;
        }
        if (path.startsWith("/console/log/")) {
            String name = path.substring("/console/log/".length());
            Fields query = Request.extractQueryParameters(request);
            HttpFront.write(response, callback, log(name, lines(query.getValue("lines"))));
            return true;
        }
        HttpFront.write(response, callback, new ControlApi.Reply(404, error("Value doesn't exist.")));
        return true;
    }

    private static int lines(String value) {
        try {
            return value == null ? 50 : Math.max(0, Math.min(MAX_LINES, Integer.parseInt(value)));
        } catch (NumberFormatException e) {
            return 50;
        }
    }

    private JsonObject ports() {
        JsonObject o = new JsonObject();
        Optional<PortRegistry> registry = ports.get();
        if (registry.isEmpty()) {
            o.add("ports", new JsonArray());
            return o;
        }
        PortRegistry r = registry.get();
        JsonArray list = new JsonArray();
        for (PortInfo p : r.ports()) {
            JsonObject e = new JsonObject();
            e.addProperty("port", p.port().toString());
            e.addProperty("pid", p.port().pid());
            e.addProperty("type", p.type().name().toLowerCase(Locale.ROOT));
            e.addProperty("ready", p.ready());
            e.addProperty("open", p.open());
            JsonArray holds = new JsonArray();
            for (PortId h : p.holds()) {
                holds.add(h.toString());
            }
            e.add("holds", holds);
            e.addProperty("refused", p.refused());
            list.add(e);
        }
        o.add("ports", list);
        o.add("connect", rows(r.connectMatrix().rows()));
        o.add("remove_notify", rows(r.removeNotifyMatrix().rows()));
        return o;
    }

    private static JsonArray rows(String[] rows) {
        JsonArray a = new JsonArray();
        for (String row : rows) {
            a.add(row);
        }
        return a;
    }

    /** The last lines of {@code log/NAME.log}: read from its end, never the whole file. */
    private ControlApi.Reply log(String name, int lines) {
        Optional<ApplicationStatus> app = apps.application(name);
        if (app.isEmpty() || app.get().logFiles().isEmpty()) {
            return new ControlApi.Reply(404, error("Value doesn't exist."));
        }
        Path file = app.get().logFiles().get(0);
        JsonObject o = new JsonObject();
        o.addProperty("file", file.toString());
        JsonArray out = new JsonArray();
        try {
            for (String line : tail(file, lines)) {
                out.add(line);
            }
        } catch (IOException e) {
            return new ControlApi.Reply(500, error("reading " + file + ": " + e.getMessage()));
        }
        o.add("lines", out);
        return new ControlApi.Reply(200, o);
    }

    static List<String> tail(Path file, int lines) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long from = Math.max(0, length - TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - from)];
            f.seek(from);
            f.readFully(bytes);
            List<String> all = new ArrayList<>(new String(bytes, StandardCharsets.UTF_8).lines().toList());
            if (from > 0 && !all.isEmpty()) {
                all.remove(0); // cut in the middle
            }
            return all.subList(Math.max(0, all.size() - lines), all.size());
        }
    }

    private static JsonObject error(String title) {
        JsonObject o = new JsonObject();
        o.addProperty("error", title);
        return o;
    }
}
