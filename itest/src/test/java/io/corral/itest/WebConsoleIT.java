package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Test;

/**
 * The web console in a real browser: headless Chromium opens it on the
 * loopback address, finds every running application with its state,
 * presses restart on one and sees its new pids. The screenshot stays in
 * target/console.png for a person to look at.
 */
public class WebConsoleIT {

    private static final String MARKER = "3000." + System.nanoTime() % 1_000_000;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The pids that the page shows for {@code app}, sorted. */
    private static List<Integer> shownPids(Chromium page, String app) throws Exception {
        JsonElement text = page.eval("(document.querySelector('tr[data-app=\"" + app + "\"] .pids') || {}).textContent");
        List<Integer> pids = new ArrayList<>();
        if (text != null && !text.getAsString().isBlank()) {
            Arrays.stream(text.getAsString().trim().split(" ")).map(Integer::valueOf).forEach(pids::add);
        }
        Collections.sort(pids);
        return pids;
    }

    private static String shownState(Chromium page, String app) throws Exception {
        JsonElement text = page.eval("(document.querySelector('tr[data-app=\"" + app + "\"] .state') || {}).textContent");
        return text == null ? null : text.getAsString();
    }

    @Test
    public void theConsoleShowsEveryApplicationAndItsRestartButtonReplacesThePids() throws Exception {
        Path base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {"
            + "\"alpha\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\","
            + " \"echo alpha says hello; exec sleep " + MARKER + "1\"], \"processes\": 2},"
            + " \"beta\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"" + MARKER
            + "2\"]}}}");
        int port = freePort();
        String java = "JAVA_OPTS=-Dcorral.control.tcp=127.0.0.1:" + port + " -Dcorral.control.console=true";
        Path profile = Files.createTempDirectory("corral-chromium");
        try {
            CommandLineIT.Result r = corral(List.of("env", java), "--base", base.toString(), "start");
            assertEquals(r.err(), 0, r.status());
            String url = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newHttpClient();
            ControlApiIT.await("the console answers", () -> http.send(HttpRequest.newBuilder(URI.create(url
                + "/console")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            ControlApiIT.await("three processes", () -> Procs.sleeping(MARKER + "1").size() == 2
                && Procs.sleeping(MARKER + "2").size() == 1);

            try (Chromium page = Chromium.open(url + "/console", profile)) {
                ControlApiIT.await("both applications on the page, running", () ->
                    "running".equals(shownState(page, "alpha")) && "running".equals(shownState(page, "beta"))
                    && shownPids(page, "alpha").size() == 2);
                assertEquals(2, page.eval("document.querySelectorAll('#applications tr[data-app]').length").getAsInt());
                JsonObject status = JsonParser.parseString(http.send(HttpRequest.newBuilder(URI.create(url
                    + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
                for (String app : List.of("alpha", "beta")) {
                    List<Integer> pids = new ArrayList<>();
                    status.getAsJsonObject("applications").getAsJsonObject(app).getAsJsonObject("corral")
                        .getAsJsonArray("processes").forEach(p -> pids.add(p.getAsJsonObject().get("pid").getAsInt()));
                    Collections.sort(pids);
                    assertEquals(app, pids, shownPids(page, app));
                }
                List<Integer> before = shownPids(page, "alpha");
                List<Integer> beta = shownPids(page, "beta");

                // A page of another site cannot use the API through the browser.
                for (String[] header : List.of(new String[] {"Origin", "http://attacker.example"},
                        new String[] {"Sec-Fetch-Site", "cross-site"})) {
                    HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(url
                        + "/control/applications/beta/restart")).header(header[0], header[1]).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(foreign.body(), 403, foreign.statusCode());
                }
                Thread.sleep(1000);
                for (int pid : beta) {
                    assertTrue("beta's process " + pid + " was not restarted", Procs.alive(pid));
                }

                page.eval("document.querySelector('tr[data-app=\"alpha\"] button.restart').click()");
                ControlApiIT.await("new pids for alpha on the page", () -> {
                    List<Integer> now = shownPids(page, "alpha");
                    return now.size() == 2 && Collections.disjoint(now, before);
                });
                for (int old : before) {
                    ControlApiIT.await("old process " + old + " exits", () -> !Procs.alive(old));
                }
                for (int pid : shownPids(page, "alpha")) {
                    assertTrue("shown pid " + pid + " runs", Procs.alive(pid));
                }
                assertEquals("beta is left alone", beta, shownPids(page, "beta"));

                page.eval("document.querySelector('tr[data-app=\"alpha\"] button.log').click()");
                ControlApiIT.await("alpha's log on the page", () -> page.eval("document.getElementById('log')"
                    + ".textContent").getAsString().contains("alpha says hello"));
                page.screenshot(Path.of("target/console.png"));
            }
            assertTrue(Files.size(Path.of("target/console.png")) > 10_000);
            assertEquals(0, corral("--base", base.toString(), "stop").status());
            assertFalse(Files.exists(base.resolve("run/control.unit.sock")));
        } finally {
            DaemonIT.cleanUp(base);
            for (String n : List.of("1", "2")) {
                for (int pid : Procs.sleeping(MARKER + n)) {
                    Procs.kill9(pid);
                }
            }
            new ProcessBuilder("rm", "-rf", profile.toString()).start().waitFor();
        }
    }
}
