package io.corral.control.internal;

import com.google.gson.FormattingStyle;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import jdk.net.UnixDomainPrincipal;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The HTTP side of the control API: admits the peer, reads the body, and
 * writes each answer as Unit does (pretty JSON indented with tabs, then CRLF,
 * {@code Content-Type: application/json}). The pages of the web console,
 * when it is on, are served beside it.
 */
final class HttpFront extends Handler.Abstract {

    private static final Gson PRETTY = new GsonBuilder().setFormattingStyle(FormattingStyle.PRETTY.withIndent("\t"))
        .disableHtmlEscaping().create();

    private final ControlApi api;
    private final UserPrincipal owner;
    private final Handler console;

    /**
     * @param owner   the only user a Unix-socket peer may be (SO_PEERCRED); connections over TCP are not checked
     * @param console the web console's pages, or null when it is off
     */
    HttpFront(ControlApi api, UserPrincipal owner, Handler console) {
        this.api = api;
        this.owner = owner;
        this.console = console;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String refusal = refusal(request);
        if (refusal != null) {
            JsonObject o = new JsonObject();
            o.addProperty("error", "Permission denied.");
            o.addProperty("detail", refusal);
            write(response, callback, new ControlApi.Reply(403, o));
            return true;
        }
        String path = request.getHttpURI().getPath();
        if (console != null && (path.equals("/console") || path.startsWith("/console/"))) {
            return console.handle(request, response, callback);
        }
        ControlApi.Reply reply = api.handle(request.getMethod(), path, () -> body(request));
        write(response, callback, reply);
        return true;
    }

    /**
     * Why the request is not served, or null. Over the Unix socket: a peer
     * that is another user than the instance's (SO_PEERCRED). Over TCP, which
     * has no peer credentials: a request that a web page in a browser made
     * (another origin, or a Host that is not this loopback address, as DNS
     * rebinding gives) instead of the operator's own tool or the console.
     */
    private String refusal(Request request) throws IOException {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!(endPoint instanceof SocketChannelEndPoint s)) {
            return null;
        }
        SocketChannel channel = s.getChannel();
        if (!(channel.getLocalAddress() instanceof java.net.UnixDomainSocketAddress)) {
            return BrowserGuard.refusal(request, channel.getLocalAddress());
        }
        if (owner == null) {
            return null;
        }
        UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        if (peer.user().equals(owner)) {
            return null;
        }
        return "this instance's control socket admits only " + owner.getName() + ", not " + peer.user().getName();
    }

    private static byte[] body(Request request) throws ControlError {
        long length = request.getLength();
        if (length > RequestBody.MAX_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(RequestBody.MAX_BYTES + 1);
            if (bytes.length > RequestBody.MAX_BYTES) {
                throw tooLarge();
            }
            return bytes;
        } catch (IOException e) {
            throw new ControlError(400, ControlError.INVALID_JSON, "reading the body: " + e.getMessage());
        }
    }

    private static ControlError tooLarge() {
        return new ControlError(400, ControlError.INVALID_JSON, "The body is larger than the "
            + RequestBody.MAX_BYTES + " bytes the control API takes.");
    }

    static void write(Response response, Callback callback, ControlApi.Reply reply) {
        byte[] bytes = (PRETTY.toJson(reply.body()) + "\r\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
