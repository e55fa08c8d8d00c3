package io.socketserve.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.socketserve.AdminOptions;
import io.socketserve.Namespace;
import io.socketserve.Socket;
import io.socketserve.SocketServeException;
import io.socketserve.SocketServer;
import io.socketserve.internal.admin.AdminQueries;
import io.socketserve.internal.admin.AdminTokens;
import io.socketserve.internal.admin.BasicAuth;
import io.socketserve.internal.admin.InstanceStats;
import io.socketserve.internal.admin.StatsBoard;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin page and its API under {@code /admin}, for every HTTP transport: the transport hands
 * each request whose path {@link #isAdminPath is an admin path} to {@link #handle} and writes the
 * answer. Every path under {@code /admin} — the page, its scripts, the data, the actions, unknown
 * paths — first requires the credential of {@link AdminOptions} (HTTP Basic): none is {@code 401}
 * with {@code WWW-Authenticate}, a wrong one too, and an address with too many wrong ones is {@code
 * 429} for a while. Actions ({@code POST}) are refused {@code 403 read_only} in read-only mode and
 * {@code 403 cross_origin} when a browser says the request comes from another site.
 *
 * <pre>
 * GET  /admin/                  the page (its files under /admin/)
 * GET  /admin/api/token         {"token","namespace","basePath","readOnly","user"}: to connect to the admin namespace
 * GET  /admin/api/overview      instances, totals, top rooms, recent errors
 * GET  /admin/api/room?name=R   a room's members and presence
 * POST /admin/api/disconnect    {"id"}                    ends a session
 * POST /admin/api/leave         {"id","room"}             makes a session leave a room
 * POST /admin/api/broadcast     {"room","event","data"}   sends an event to a room
 * </pre>
 *
 * <p>The page is a socket-serve client of the namespace {@link AdminOptions#NAMESPACE}, which only
 * accepts a connect with a token of {@code /admin/api/token}; the overview is pushed to it by one
 * instance of the deployment every publish interval. Creating this registers that namespace on the
 * server and starts publishing this instance's statistics; {@link #close()} stops.
 *
 * @since 0.4
 */
public final class AdminRoutes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

    /** {@value}. */
    public static final String PREFIX = "/admin";
    /** {@value} bytes: the largest action body. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    static final String REALM = "Basic realm=\"socket-serve admin\", charset=\"UTF-8\"";
    static final String WATCHERS = "watchers";
    private static final int MAX_ROOM_CHARS = 256;
    private static final int MAX_EVENT_CHARS = 128;
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Map<String, String> ASSETS = Map.of(
            "/admin/", "index.html",
            "/admin/admin.js", "admin.js",
            "/admin/chart.js", "chart.js",
            "/admin/admin.css", "admin.css");

    private final SocketServer server;
    private final AdminOptions options;
    private final BasicAuth auth;
    private final AdminTokens tokens;
    private final InstanceStats stats;
    private final StatsBoard board;
    private final AdminQueries queries;
    private final StaticResources client = new StaticResources(null, true);
    private final ThreadPoolExecutor executor;

    /**
     * Serves the admin page of {@code server}: registers the admin namespace and starts publishing
     * this instance's statistics ({@link SocketServer#stats()}, {@link SocketServer#health()}).
     */
    public AdminRoutes(SocketServer server, AdminOptions options) {
        this.server = server;
        this.options = options;
        byte[] password = options.password();
        this.auth = new BasicAuth(options.user(), password, options.maxFailedLogins());
        this.tokens = new AdminTokens(options.user(), password);
        java.util.Arrays.fill(password, (byte) 0);
        this.executor = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "socket-serve-admin");
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
        this.stats = new InstanceStats(server::health, server::stats);
        Namespace ns = server.of(AdminOptions.NAMESPACE);
        this.board = new StatsBoard(server.store(), stats, options.publishInterval(), this::push);
        this.queries = new AdminQueries(server, board, options.topRooms(), options.readOnly());
        ns.use(handshake -> {
            if (!tokens.valid(handshake.auth().path("token").asText(null), System.currentTimeMillis())) {
                throw new SocketServeException(
                        "unauthorized", "the admin namespace needs a valid token from /admin/api/token", 401);
            }
        });
        ns.onConnection(socket -> socket.join(WATCHERS));
        // The answers are built on the admin threads, never on a handler thread (they wait for the
        // backend, whose stages complete on the handler executor): they travel as __ack frames.
        ns.on("overview", (socket, data, ack) -> answerLater(ack, queries::overview));
        ns.on("room", (socket, data, ack) -> {
            String room = data.path("name").asText("");
            String problem = roomProblem(room);
            if (problem != null) {
                throw new SocketServeException("invalid_room", problem, 400);
            }
            answerLater(ack, () -> queries.room(room).toCompletableFuture().join());
        });
    }

    private void answerLater(io.socketserve.Ack ack, Supplier<ObjectNode> answer) {
        try {
            executor.execute(() -> {
                ObjectNode out;
                try {
                    out = answer.get();
                } catch (RuntimeException e) {
                    log.warn("admin query failed", e);
                    out = JSON.createObjectNode()
                            .put("error", "unavailable")
                            .put("message", "the backend did not answer");
                }
                ack.send(out);
            });
        } catch (RejectedExecutionException busy) {
            throw new SocketServeException("busy", "the admin page is busy; retry in a moment", 503);
        }
    }

    /**
     * Tells the admin page that an SSE stream of the protocol opened for {@code r}; returns what to
     * run when that stream closes. The transport calls this after the engine accepted the stream, so
     * that the page can show each member's transport.
     */
    public Runnable streamOpened(TransportRequest r) {
        String id = publicId(r);
        if (id == null) {
            return () -> {};
        }
        stats.transports().streamOpened(id, System.currentTimeMillis());
        return () -> stats.transports().streamClosed(id);
    }

    /** Tells the admin page the answer of a protocol request other than a stream (a poll, say). */
    public void answered(TransportRequest r, TransportResponse response) {
        if (response.status() == 200
                && "GET".equals(r.method())
                && "/sse".equals(r.path())
                && "polling".equals(r.query("transport"))) {
            String id = publicId(r);
            if (id != null) {
                stats.transports().polled(id, System.currentTimeMillis());
            }
        }
    }

    /** The public id in a request's credential ({@code <public id>.<secret>}, docs/protocol.md). */
    private static @Nullable String publicId(TransportRequest r) {
        String credential = r.header("X-Socket-Serve-Session");
        if (credential == null) {
            credential = r.query("sessionId");
        }
        int dot = credential == null ? -1 : credential.indexOf('.');
        if (dot != 16) {
            return null;
        }
        String id = credential.substring(0, dot);
        return id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_') ? id : null;
    }

    /** Whether {@code path} (the full request path) belongs to the admin page. */
    public static boolean isAdminPath(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** This instance's id on the admin page. */
    public String instanceId() {
        return stats.id();
    }

    /**
     * Answers a request whose {@link TransportRequest#path()} is the full path (an {@link
     * #isAdminPath admin path}). Never blocks the caller: backend reads run on the admin threads.
     */
    public CompletionStage<TransportResponse> handle(TransportRequest r) {
        long now = System.currentTimeMillis();
        String address = r.remoteAddress();
        switch (auth.check(r.header("Authorization"), address, now)) {
            case THROTTLED:
                return done(TransportResponse.error(
                                429,
                                "too_many_attempts",
                                "too many failed logins from this address; wait before trying again")
                        .withHeader("Retry-After", Long.toString(auth.retryAfterSeconds(address, now))));
            case MISSING:
                return done(unauthorized("the admin page needs a user name and password (HTTP Basic)"));
            case WRONG:
                return done(unauthorized("wrong user name or password"));
            case OK:
            default:
                break;
        }
        String path = r.path().equals(PREFIX) ? PREFIX + "/" : r.path();
        String method = r.method();
        boolean read = method.equals("GET") || method.equals("HEAD");
        String asset = ASSETS.get(path);
        if (asset != null || path.equals("/admin/socket-serve.js")) {
            if (!read) {
                return done(notAllowed("GET"));
            }
            return done(asset(path, asset, method.equals("HEAD")));
        }
        switch (path) {
            case "/admin/api/token":
                return read ? done(json(200, token(now))) : done(notAllowed("GET"));
            case "/admin/api/overview":
                return read ? async(() -> json(200, queries.overview())) : done(notAllowed("GET"));
            case "/admin/api/room":
                return read ? room(r.query("name")) : done(notAllowed("GET"));
            case "/admin/api/disconnect":
            case "/admin/api/leave":
            case "/admin/api/broadcast":
                return method.equals("POST")
                        ? action(path.substring("/admin/api/".length()), r)
                        : done(notAllowed("POST"));
            default:
                return done(TransportResponse.error(404, "not_found", "nothing at " + path));
        }
    }

    private ObjectNode token(long now) {
        ObjectNode n = JSON.createObjectNode();
        n.put("token", tokens.issue(now));
        n.put("expiresAt", now + AdminTokens.TTL_MILLIS);
        n.put("namespace", AdminOptions.NAMESPACE);
        n.put("basePath", server.options().basePath());
        n.put("readOnly", options.readOnly());
        n.put("user", options.user());
        n.put("instance", stats.id());
        n.put("publishIntervalMillis", options.publishInterval().toMillis());
        return n;
    }

    private CompletionStage<TransportResponse> room(@Nullable String room) {
        String problem = room == null ? "query parameter 'name' is required" : roomProblem(room);
        if (problem != null) {
            return done(TransportResponse.error(400, "invalid_room", problem));
        }
        return async(() -> json(200, queries.room(room).toCompletableFuture().join()));
    }

    private CompletionStage<TransportResponse> action(String name, TransportRequest r) {
        if (options.readOnly()) {
            return done(TransportResponse.error(403, "read_only", "the admin page is read-only: actions are off"));
        }
        String site = r.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return done(TransportResponse.error(403, "cross_origin", "actions are accepted from the admin page only"));
        }
        String origin = r.header("Origin");
        String host = r.header("Host");
        if (origin != null && (host == null || !sameHost(origin, host))) {
            return done(TransportResponse.error(
                    403,
                    "cross_origin",
                    "Origin " + origin + " is not this server: actions come from the admin page only"));
        }
        String type = r.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return done(TransportResponse.error(415, "unsupported_media_type", "the body must be application/json"));
        }
        if (r.body().length > MAX_BODY_BYTES) {
            return done(TransportResponse.error(
                    413, "payload_too_large", "an action body has at most " + MAX_BODY_BYTES + " bytes"));
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            return done(TransportResponse.error(400, "invalid_json", "the body is not valid JSON"));
        }
        if (body == null || !body.isObject()) {
            return done(TransportResponse.error(400, "invalid_json", "the body must be a JSON object"));
        }
        return switch (name) {
            case "disconnect" -> withSocket(
                    body, socket -> socket.disconnectAsync().thenApply(v -> ok("disconnected", socket.id())));
            case "leave" -> {
                String room = body.path("room").isTextual() ? body.path("room").asText() : null;
                String problem = room == null ? "field 'room' (a string) is required" : roomProblem(room);
                if (problem != null) {
                    yield done(TransportResponse.error(400, "invalid_room", problem));
                }
                yield withSocket(body, socket -> socket.roomsAsync()
                        .thenCompose(rooms -> rooms.contains(room)
                                ? socket.leaveAsync(room).thenApply(v -> ok("left", socket.id()))
                                : CompletableFuture.completedFuture(TransportResponse.error(
                                        404, "not_in_room", "session " + socket.id() + " is not in room " + room))));
            }
            default -> broadcast(body);
        };
    }

    private CompletionStage<TransportResponse> broadcast(JsonNode body) {
        String room = body.path("room").isTextual() ? body.path("room").asText() : null;
        String problem = room == null ? "field 'room' (a string) is required" : roomProblem(room);
        if (problem != null) {
            return done(TransportResponse.error(400, "invalid_room", problem));
        }
        JsonNode ev = body.path("event");
        String event = ev.isTextual() ? ev.asText() : null;
        if (event == null
                || event.isEmpty()
                || event.length() > MAX_EVENT_CHARS
                || event.startsWith("__")
                || !printable(event)) {
            return done(TransportResponse.error(
                    400,
                    "invalid_event",
                    "field 'event' must be a string of 1.." + MAX_EVENT_CHARS
                            + " printable characters, not starting with '__'"));
        }
        JsonNode data = body.has("data") ? body.get("data") : null;
        return async(() -> {
            long members = server.roomSize(room);
            server.to(room).emit(event, data).toCompletableFuture().join();
            ObjectNode n = JSON.createObjectNode();
            n.put("ok", true);
            n.put("room", room);
            n.put("event", event);
            n.put("members", members);
            return json(200, n);
        });
    }

    private CompletionStage<TransportResponse> withSocket(
            JsonNode body, java.util.function.Function<Socket, CompletionStage<TransportResponse>> then) {
        JsonNode idNode = body.path("id");
        String id = idNode.isTextual() ? idNode.asText() : null;
        if (id == null || id.isEmpty() || id.length() > 128 || !printable(id)) {
            return done(TransportResponse.error(400, "invalid_id", "field 'id' (a session's public id) is required"));
        }
        CompletionStage<Optional<Socket>> found;
        try {
            found = server.socketAsync(id);
        } catch (IllegalArgumentException e) {
            return done(TransportResponse.error(400, "invalid_id", "not a session id: " + e.getMessage()));
        }
        return recover(found.thenCompose(socket -> socket.isPresent()
                ? then.apply(socket.get())
                : CompletableFuture.completedFuture(
                        TransportResponse.error(404, "unknown_session", "no session with id " + id))));
    }

    private static TransportResponse ok(String what, String id) {
        return TransportResponse.json(
                200, ("{\"ok\":true,\"" + what + "\":" + JsonStrings.quote(id) + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** Pushes the overview to the pages watching (only the instance that holds the lease calls this). */
    private void push() {
        Namespace ns = server.of(AdminOptions.NAMESPACE);
        if (ns.roomSize(WATCHERS) > 0) {
            ns.to(WATCHERS).emit("overview", queries.overview());
        }
    }

    private CompletionStage<TransportResponse> async(Supplier<TransportResponse> work) {
        try {
            return recover(CompletableFuture.supplyAsync(work, executor));
        } catch (RejectedExecutionException busy) {
            return done(TransportResponse.error(503, "busy", "the admin page is busy; retry in a moment")
                    .withHeader("Retry-After", "1"));
        }
    }

    private static CompletionStage<TransportResponse> recover(CompletionStage<TransportResponse> stage) {
        return stage.exceptionally(failure -> {
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof SocketServeException s) {
                return TransportResponse.error(s.status(), s.code(), String.valueOf(s.getMessage()));
            }
            if (cause instanceof IllegalArgumentException e) {
                return TransportResponse.error(400, "bad_request", String.valueOf(e.getMessage()));
            }
            log.warn("admin request failed", cause);
            return TransportResponse.error(503, "unavailable", "the backend did not answer; retry later")
                    .withHeader("Retry-After", "1");
        });
    }

    private TransportResponse asset(String path, @Nullable String name, boolean head) {
        StaticResources.Resource file;
        if (name == null) {
            file = client.find("/socket-serve.js");
        } else {
            file = ADMIN_FILES.computeIfAbsent(name, AdminRoutes::load);
        }
        if (file == null) {
            return TransportResponse.error(404, "not_found", "nothing at " + path);
        }
        return new TransportResponse(200, file.contentType(), head ? new byte[0] : file.body(), Map.of())
                .withHeader("Content-Security-Policy", CSP)
                .withHeader("X-Frame-Options", "DENY")
                .withHeader("Referrer-Policy", "no-referrer");
    }

    private static final Map<String, StaticResources.Resource> ADMIN_FILES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static StaticResources.Resource load(String name) {
        try (InputStream in = AdminRoutes.class.getResourceAsStream("/io/socketserve/admin/" + name)) {
            if (in == null) {
                throw new IllegalStateException("admin page file missing from the jar: " + name);
            }
            return new StaticResources.Resource(in.readAllBytes(), StaticResources.contentType(name));
        } catch (IOException e) {
            throw new IllegalStateException("admin page file unreadable: " + name, e);
        }
    }

    private static TransportResponse unauthorized(String message) {
        return TransportResponse.error(401, "unauthorized", message).withHeader("WWW-Authenticate", REALM);
    }

    private static TransportResponse notAllowed(String allow) {
        return TransportResponse.error(405, "method_not_allowed", "use " + allow + " here")
                .withHeader("Allow", allow);
    }

    private static TransportResponse json(int status, JsonNode body) {
        try {
            return TransportResponse.json(status, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletionStage<TransportResponse> done(TransportResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static @Nullable String roomProblem(String room) {
        if (room.isEmpty() || room.length() > MAX_ROOM_CHARS) {
            return "a room name has 1.." + MAX_ROOM_CHARS + " characters";
        }
        if (!printable(room)) {
            return "a room name has no control characters";
        }
        return null;
    }

    private static boolean printable(String s) {
        return s.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    private static boolean sameHost(String origin, String host) {
        int scheme = origin.indexOf("://");
        return scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    /** Stops publishing this instance's statistics and the admin threads. Idempotent. */
    @Override
    public void close() {
        board.close();
        executor.shutdownNow();
    }
}
