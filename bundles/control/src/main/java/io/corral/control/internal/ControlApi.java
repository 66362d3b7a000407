package io.corral.control.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ConfigurationException;
import io.corral.api.process.ManagedProcess;
import io.corral.log.Log;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * NGINX Unit's control API (nxt_controller.c) on Corral's document: what
 * each method and path answers, apart from HTTP. Every change is applied
 * through {@link ApplicationManager#apply(String)}: the whole document is
 * validated as the file would be, a refused one changes nothing, an
 * accepted one is written to {@code etc/corral.json} before it runs.
 */
final class ControlApi {

    /** An answer: the status and its JSON body. */
    record Reply(int status, JsonElement body) {
    }

    private static final Log LOG = Log.of(ControlApi.class);

    private final ApplicationManager apps;
    private final IntFunction<Optional<ManagedProcess>> processes;
    /** One change at a time: each reads the document the previous one left. */
    private final Object edits = new Object();

    ControlApi(ApplicationManager apps, IntFunction<Optional<ManagedProcess>> processes) {
        this.apps = apps;
        this.processes = processes;
    }

    Reply handle(String method, String rawPath, BodySource body) {
        Reply reply;
        try {
            reply = route(method, new RequestPath(rawPath), body);
        } catch (ControlError e) {
            reply = new Reply(e.status(), e.body());
        }
        if (!method.equals("GET") || rawPath.startsWith("/control")) {
            // A control action like the console's, recorded in corral.log with its origin and outcome.
            LOG.info(method + " " + rawPath + " (from the control API): " + reply.status() + " " + reply.body());
        }
        return reply;
    }

    /** The body is read only by the methods that take one. */
    interface BodySource {
        byte[] read() throws ControlError;
    }

    private Reply route(String method, RequestPath path, BodySource body) throws ControlError {
        if (path.under("/config")) {
            return config(method, path.steps("/config"), body);
        }
        if (path.under("/status")) {
            if (!method.equals("GET")) {
                throw new ControlError(405, ControlError.INVALID_METHOD);
            }
            JsonElement value = ConfigTree.get(status(), path.steps("/status"));
            if (value == null) {
                throw new ControlError(404, ControlError.INVALID_PATH);
            }
            return new Reply(200, value);
        }
        if (path.under("/control")) {
            return control(method, path.steps("/control"));
        }
        if (path.isRoot()) {
            if (!method.equals("GET")) {
                throw new ControlError(405, ControlError.INVALID_METHOD);
            }
            JsonObject all = new JsonObject();
            all.add("config", document());
            all.add("status", status());
            return new Reply(200, all);
        }
        throw ControlError.notFound();
    }

    private Reply config(String method, List<String> steps, BodySource body) throws ControlError {
        switch (method) {
            case "GET": {
                JsonElement value = ConfigTree.get(document(), steps);
                if (value == null) {
                    throw ControlError.notFound();
                }
                return new Reply(200, value);
            }
            case "PUT":
            case "POST": {
                if (method.equals("POST") && steps.isEmpty()) {
                    throw new ControlError(405, ControlError.NOT_ALLOWED);
                }
                JsonElement value = RequestBody.parse(body.read());
                synchronized (edits) {
                    JsonElement current = document();
                    JsonElement next = method.equals("PUT") ? ConfigTree.put(current, steps, value)
                        : ConfigTree.post(current, steps, value);
                    return apply(next);
                }
            }
            case "DELETE":
                synchronized (edits) {
                    return apply(ConfigTree.delete(document(), steps));
                }
            default:
                throw new ControlError(405, ControlError.NOT_ALLOWED);
        }
    }

    private Reply apply(JsonElement next) throws ControlError {
        try {
            apps.apply(next.toString());
        } catch (ConfigurationException e) {
            throw new ControlError(400, ControlError.INVALID_CONFIGURATION, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("control API: applying a new configuration: " + e.getMessage());
            throw new ControlError(500, ControlError.FAILED_TO_APPLY, e.getMessage());
        }
        return success("Reconfiguration done.");
    }

    /**
     * {@code GET /control/applications/NAME/restart} (Unit 1.25): every
     * process of NAME replaced. Corral adds {@code .../stop} (no process
     * runs until a start) and {@code .../start}, as corral:stop and
     * corral:start; neither changes the configuration.
     */
    private Reply control(String method, List<String> steps) throws ControlError {
        if (!method.equals("GET")) {
            throw new ControlError(405, ControlError.NOT_ALLOWED);
        }
        if (steps.size() != 3 || !steps.get(0).equals("applications")) {
            throw ControlError.notFound();
        }
        String name = steps.get(1);
        String action = steps.get(2);
        // As Unit: the application must be in the configuration.
        if (!List.of("restart", "start", "stop").contains(action)
                || ConfigTree.get(document(), List.of("applications", name)) == null) {
            throw ControlError.notFound();
        }
        try {
            switch (action) {
                case "restart" -> apps.restart(name);
                case "start" -> apps.start(name);
                default -> apps.stop(name);
            }
        } catch (IllegalArgumentException e) {
            throw ControlError.notFound(); // removed meanwhile
        } catch (RuntimeException e) {
            throw new ControlError(500, action.equals("restart") ? ControlError.FAILED_TO_RESTART
                : "Failed to " + action + " app.", e.getMessage());
        }
        return success("Ok");
    }

    private JsonElement document() {
        return JsonParser.parseString(apps.configuration());
    }

    private JsonObject status() {
        return StatusView.of(apps.applications(), processes);
    }

    private static Reply success(String text) {
        JsonObject o = new JsonObject();
        o.addProperty("success", text);
        return new Reply(200, o);
    }
}
