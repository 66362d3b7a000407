package io.corral.itest;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium, driven over the DevTools protocol (a WebSocket
 * of the JDK's own HTTP client): open a page, evaluate JavaScript in it,
 * take a screenshot. Closing ends the browser and every process it started.
 */
final class Chromium implements AutoCloseable {

    private final Process browser;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

    private Chromium(Process browser, WebSocket socket) {
        this.browser = browser;
        this.socket = socket;
    }

    static Chromium open(String url, Path profile) throws Exception {
        Files.createDirectories(profile);
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1200,1700",
            "--no-first-run", "--no-default-browser-check", url)
            .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(active) || Files.readAllLines(active).isEmpty()) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new AssertionError("chromium gave no DevTools port: " + Files.readString(
                        profile.resolve("chromium.log")));
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(active).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String page = null;
            while (page == null) {
                JsonArray targets = JsonParser.parseString(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).getAsJsonArray();
                for (JsonElement t : targets) {
                    if (t.getAsJsonObject().get("type").getAsString().equals("page")) {
                        page = t.getAsJsonObject().get("webSocketDebuggerUrl").getAsString();
                    }
                }
                if (page == null) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("chromium opened no page");
                    }
                    Thread.sleep(50);
                }
            }
            Listener listener = new Listener();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(page), listener).get(10, TimeUnit.SECONDS);
            Chromium c = new Chromium(p, ws);
            listener.owner = c;
            return c;
        } catch (Exception | AssertionError e) {
            destroy(p);
            throw e;
        }
    }

    /** The value of a JavaScript expression in the page, as JSON. */
    JsonElement eval(String expression) throws Exception {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("returnByValue", true);
        JsonObject result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new AssertionError(expression + ": " + result.get("exceptionDetails"));
        }
        JsonObject value = result.getAsJsonObject("result");
        return value.has("value") ? value.get("value") : null;
    }

    void screenshot(Path png) throws Exception {
        String data = call("Page.captureScreenshot", new JsonObject()).get("data").getAsString();
        Files.createDirectories(png.getParent());
        Files.write(png, Base64.getDecoder().decode(data));
    }

    private JsonObject call(String method, JsonObject params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        JsonObject message = new JsonObject();
        message.addProperty("id", id);
        message.addProperty("method", method);
        message.add("params", params);
        socket.sendText(message.toString(), true).get(10, TimeUnit.SECONDS);
        JsonObject reply = answer.get(30, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new AssertionError(method + ": " + reply.get("error"));
        }
        return reply.getAsJsonObject("result");
    }

    @Override
    public void close() {
        socket.abort();
        destroy(browser);
    }

    /** The browser and every process under it, by pid. */
    private static void destroy(Process p) {
        var children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Joins the parts of each text message and hands each answer to its caller. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        volatile Chromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                JsonObject message = JsonParser.parseString(text.toString()).getAsJsonObject();
                text.setLength(0);
                if (message.has("id") && owner != null) {
                    CompletableFuture<JsonObject> f = owner.pending.remove(message.get("id").getAsInt());
                    if (f != null) {
                        f.complete(message);
                    }
                }
            }
            ws.request(1);
            return null;
        }
    }
}
