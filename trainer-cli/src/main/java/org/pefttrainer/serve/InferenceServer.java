package org.pefttrainer.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ServeConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.peft.registry.AdapterInfo;
import org.pefttrainer.peft.registry.AdapterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front of {@code peft serve} (the JDK's com.sun.net.httpserver), JSON in and out:
 * <pre>
 *   POST   /generate          {"adapter": "name" | null, "text": "...", decoding options...}
 *                             → {"adapter", "text", "generated", "sequences"?, "tokens", "seconds", "batch_size"}
 *   GET    /adapters          → {"adapters": [{"name", "type", "path", "rank", "scaling", "parameters"}, ...]}
 *   POST   /adapters          {"name": "...", "path": "..."} → 201 and the adapter's entry (load)
 *   DELETE /adapters/{name}   → {"unloaded": name}
 *   GET    /health            → {"status": "ok", "adapters", "requests", "batches", "largest_batch", "queued"}
 * </pre>
 * Bad requests get a 4xx status and {@code {"error": "..."}}: malformed JSON, missing or non-string text, bad option
 * values, max_new_tokens above the server's limit (400), a missing or wrong token when one is set (401), adapter
 * changes while they are off (403), unknown path or adapter (404), wrong method (405, with Allow), existing adapter
 * name (409), body over the limit (413), a full queue (429). A request not answered within the timeout gets 503.
 * Generate requests wait in a {@link BatchScheduler}, which batches concurrent ones.
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final Set<String> GENERATE_FIELDS = Set.of("adapter", "text");
    /** Most decoder rows (beams or samples) one request may ask for: beyond, memory grows with no useful result. */
    static final int MAX_ROWS_PER_REQUEST = 32;
    /** A body over the limit is still read (and dropped) up to this size, so the client gets its 413. */
    private static final long MAX_DRAIN = 128L << 20;

    /** How the server listens and what it accepts; {@link #of(ServeConfig)} reads the config's serve section. */
    public record Settings(String host, int port, int maxBatchSize, int batchWaitMs, int maxBodyBytes,
            int maxNewTokens, int maxQueue, long requestTimeoutMs, boolean allowAdapterChanges, String token,
            String modelName) {

        /** Without a model name: the OpenAI API calls the base model by its folder's name. */
        public Settings(String host, int port, int maxBatchSize, int batchWaitMs, int maxBodyBytes, int maxNewTokens,
                int maxQueue, long requestTimeoutMs, boolean allowAdapterChanges, String token) {
            this(host, port, maxBatchSize, batchWaitMs, maxBodyBytes, maxNewTokens, maxQueue, requestTimeoutMs,
                    allowAdapterChanges, token, null);
        }

        public static Settings of(ServeConfig c) {
            return new Settings(c.host(), c.port(), c.maxBatchSize(), c.batchWaitMs(), c.maxBodyBytes(),
                    c.maxNewTokens(), c.maxQueue(), c.requestTimeoutMs(), c.allowAdapterChanges(),
                    c.token().orElse(null), c.modelName().orElse(null));
        }

        public Settings withAddress(String h, int p) {
            return new Settings(h, p, maxBatchSize, batchWaitMs, maxBodyBytes, maxNewTokens, maxQueue,
                    requestTimeoutMs, allowAdapterChanges, token, modelName);
        }

        /** Whether {@code host} is a loopback address (127.0.0.0/8, ::1, localhost). */
        public boolean loopbackOnly() {
            try {
                return java.net.InetAddress.getByName(host).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
    }

    private final InferenceEngine engine;
    private final GenerationSettings decoding;
    private final Settings settings;
    private final BatchScheduler scheduler;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final OpenAiApi openAi;

    public InferenceServer(InferenceEngine engine, GenerationSettings decoding, Settings settings) throws IOException {
        this.engine = engine;
        this.decoding = decoding;
        this.settings = settings;
        this.scheduler = new BatchScheduler(engine, settings.maxBatchSize(), settings.batchWaitMs(), settings.maxQueue());
        this.http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 256);
        // Handler threads only parse and wait (the scheduler's worker runs the model), so a thread per open request
        // is cheap; a fixed pool would let a few slow clients starve everyone else.
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
        this.openAi = new OpenAiApi(engine, decoding, scheduler, settings, settings.modelName() != null
                ? settings.modelName() : engine.session().folder().dir().getFileName().toString());
    }

    public void start() {
        http.start();
    }

    public Settings settings() {
        return settings;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public String host() {
        return http.getAddress().getHostString();
    }

    /** The base model's name in the OpenAI API. */
    public String openAiModelName() {
        return openAi.modelName();
    }

    public BatchScheduler scheduler() {
        return scheduler;
    }

    private void handle(HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().startsWith("/v1/")) {
            handleOpenAi(ex);
            return;
        }
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (settings.token() != null && !path.equals("/health")) {
                authorize(ex);
            }
            if (path.equals("/generate")) {
                require(method, "POST");
                send(ex, 200, generate(readJson(ex)));
            } else if (path.equals("/adapters")) {
                require(method, "GET", "POST");
                if (method.equals("GET")) {
                    send(ex, 200, adapters());
                } else {
                    requireChanges();
                    send(ex, 201, load(readJson(ex)));
                }
            } else if (path.startsWith("/adapters/") && path.length() > "/adapters/".length()) {
                require(method, "DELETE");
                requireChanges();
                send(ex, 200, unload(URLDecoder.decode(path.substring("/adapters/".length()), StandardCharsets.UTF_8)));
            } else if (path.equals("/health")) {
                require(method, "GET");
                send(ex, 200, health());
            } else {
                throw new HttpError(404, "no such path: " + path + " (POST /generate, GET|POST /adapters, "
                        + "DELETE /adapters/{name}, GET /health)");
            }
        } catch (HttpError e) {
            headersOf(ex, e);
            send(ex, e.status(), error(e.getMessage()));
        } catch (AdapterRegistry.UnknownAdapterException e) {
            send(ex, 404, error(e.getMessage()));
        } catch (BatchScheduler.QueueFullException e) {
            ex.getResponseHeaders().set("Retry-After", "1");
            send(ex, 429, error(e.getMessage()));
        } catch (UserException e) {
            send(ex, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            // A bug, not the client's fault: the details stay in the server log, under an id the client can quote.
            String incident = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
            LOG.error("{} {} failed (incident {})", ex.getRequestMethod(), ex.getRequestURI(), incident, e);
            send(ex, 500, error("internal error (incident " + incident + ", in the server log)"));
        } finally {
            ex.close();
        }
    }

    /** The OpenAI-compatible routes (see {@link OpenAiApi}), with OpenAI's error shape. */
    private void handleOpenAi(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (settings.token() != null) {
                authorize(ex);
            }
            switch (path) {
                case "/v1/models" -> {
                    require(method, "GET");
                    send(ex, 200, openAi.models());
                }
                case "/v1/completions" -> {
                    require(method, "POST");
                    openAi.complete(ex, readJson(ex), false);
                }
                case "/v1/chat/completions" -> {
                    require(method, "POST");
                    openAi.complete(ex, readJson(ex), true);
                }
                default -> throw new HttpError(404, "no such path: " + path + " (GET /v1/models, POST /v1/completions,"
                        + " POST /v1/chat/completions)");
            }
        } catch (HttpError e) {
            headersOf(ex, e);
            sendOpenAiError(ex, OpenAiApi.OpenAiError.of(e));
        } catch (RuntimeException e) {
            OpenAiApi.OpenAiError o = OpenAiApi.OpenAiError.of(e);
            if (o.status() == 500) {
                LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            }
            if (o.status() == 429) {
                ex.getResponseHeaders().set("Retry-After", "1");
            }
            sendOpenAiError(ex, o);
        } finally {
            ex.close();
        }
    }

    /** The headers an error answer carries: Allow with a 405, WWW-Authenticate with a 401. */
    private static void headersOf(HttpExchange ex, HttpError e) {
        if (e.allow() != null) {
            ex.getResponseHeaders().set("Allow", e.allow());
        }
        if (e.status() == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
    }

    private static void sendOpenAiError(HttpExchange ex, OpenAiApi.OpenAiError e) throws IOException {
        if (ex.getResponseCode() != -1) {
            return; // a stream already started: its error went out as an event
        }
        send(ex, e.status(), e.body());
    }

    private void authorize(HttpExchange ex) {
        String given = ex.getRequestHeaders().getFirst("Authorization");
        byte[] want = ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8);
        if (given == null || !java.security.MessageDigest.isEqual(want, given.getBytes(StandardCharsets.UTF_8))) {
            throw new HttpError(401, given == null ? "this server needs a token: send 'Authorization: Bearer <token>'"
                    : "wrong token");
        }
    }

    private void requireChanges() {
        if (!settings.allowAdapterChanges()) {
            throw new HttpError(403, "loading and unloading adapters over HTTP is off on this server "
                    + "(serve.allow_adapter_changes = true turns it on)");
        }
    }

    private static void require(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        String allow = String.join(", ", allowed);
        throw new HttpError(405, "method " + method + " not allowed here (use " + allow + ")", allow);
    }

    private ObjectNode generate(ObjectNode body) {
        JsonNode text = body.get("text");
        if (text == null || text.isNull()) {
            throw new HttpError(400, "missing field 'text' (the input to generate from)");
        }
        if (!text.isTextual()) {
            throw new HttpError(400, "field 'text' must be a string, got " + text.getNodeType().toString().toLowerCase());
        }
        JsonNode a = body.get("adapter");
        String adapter = null;
        if (a != null && !a.isNull()) {
            if (!a.isTextual()) {
                throw new HttpError(400, "field 'adapter' must be a string or null");
            }
            adapter = a.textValue().isEmpty() ? null : a.textValue();
        }
        if (adapter != null && !engine.registry().contains(adapter)) {
            throw new HttpError(404, "unknown adapter '" + adapter + "' (loaded: "
                    + (engine.registry().list().isEmpty() ? "none" : String.join(", ",
                    engine.registry().list().keySet())) + ")");
        }
        GenerationConfig config = decoding.apply(body, GENERATE_FIELDS);
        if (body.has("max_new_tokens") && config.maxNewTokens() > settings.maxNewTokens()) {
            throw new HttpError(400, "max_new_tokens " + config.maxNewTokens() + " is above this server's limit of "
                    + settings.maxNewTokens() + " (serve.max_new_tokens)");
        }
        if (Math.max(config.numBeams(), config.numReturnSequences()) > MAX_ROWS_PER_REQUEST) {
            throw new HttpError(400, "num_beams and num_return_sequences may be at most " + MAX_ROWS_PER_REQUEST
                    + " per request");
        }
        long t0 = System.nanoTime();
        CompletableFuture<Completion> f = scheduler.submit(new InferenceEngine.Row(adapter, text.textValue()), config);
        Completion c;
        try {
            c = f.get(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.cancel(f);
            throw new HttpError(503, "interrupted");
        } catch (java.util.concurrent.TimeoutException e) {
            scheduler.cancel(f);
            throw new HttpError(503, "not answered within " + settings.requestTimeoutMs() / 1000.0
                    + " s (serve.request_timeout_s); the server is overloaded, retry later");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UserException u) {
                throw u;
            }
            if (cause instanceof BatchScheduler.QueueFullException q) {
                throw q;
            }
            if (cause instanceof IllegalStateException s) {
                throw new HttpError(503, s.getMessage());
            }
            throw new RuntimeException(cause);
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("adapter", c.adapter());
        out.put("text", c.text());
        out.put("generated", c.best());
        if (c.generated().size() > 1) {
            ArrayNode seqs = out.putArray("sequences");
            c.generated().forEach(seqs::add);
        }
        out.put("tokens", c.tokens());
        out.put("seconds", (System.nanoTime() - t0) / 1e9);
        out.put("batch_size", c.batchRows());
        return out;
    }

    private ObjectNode adapters() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode list = out.putArray("adapters");
        engine.registry().list().values().forEach(i -> list.add(entry(i)));
        return out;
    }

    private static ObjectNode entry(AdapterInfo i) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", i.name());
        o.put("type", i.type().peftType());
        o.put("path", i.path() == null ? null : i.path().toString());
        o.put("rank", i.rank());
        if (!Double.isNaN(i.scaling())) {
            o.put("scaling", i.scaling());
        }
        o.put("parameters", i.parameters());
        o.put("load_seconds", i.loadSeconds());
        return o;
    }

    private ObjectNode load(ObjectNode body) {
        String name = stringField(body, "name");
        String path = stringField(body, "path");
        for (String k : (Iterable<String>) body::fieldNames) {
            if (!k.equals("name") && !k.equals("path")) {
                throw new HttpError(400, "unknown field '" + k + "' (expected name and path)");
            }
        }
        if (engine.registry().contains(name)) {
            throw new HttpError(409, "an adapter named '" + name + "' is already loaded (DELETE /adapters/" + name
                    + " first)");
        }
        try {
            return entry(engine.registry().load(name, Path.of(path)));
        } catch (java.nio.file.InvalidPathException e) {
            throw new HttpError(400, "path '" + path + "' is not valid: " + e.getReason());
        }
    }

    private ObjectNode unload(String name) {
        engine.registry().unload(name);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("unloaded", name);
        return out;
    }

    private ObjectNode health() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("status", "ok");
        out.put("model", engine.session().folder().dir().toString());
        out.put("adapters", engine.registry().list().size());
        out.put("requests", scheduler.requests());
        out.put("batches", scheduler.batches());
        out.put("largest_batch", scheduler.largestBatch());
        out.put("queued", scheduler.queued());
        return out;
    }

    private static String stringField(ObjectNode body, String key) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            throw new HttpError(400, "missing field '" + key + "'");
        }
        if (!v.isTextual() || v.textValue().isEmpty()) {
            throw new HttpError(400, "field '" + key + "' must be a non-empty string");
        }
        return v.textValue();
    }

    private ObjectNode readJson(HttpExchange ex) throws IOException {
        int max = settings.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            long length = -1;
            try {
                length = declared == null ? -1 : Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length '" + declared + "' is not a number");
            }
            // a declared length over the limit is refused before reading; else read one byte past it to tell
            body = length > max ? null : in.readNBytes(max + 1);
            if (body == null || body.length > max) {
                // Read what the client sends (up to a cap) so that it sees the answer instead of a broken pipe.
                long skipped = 0;
                byte[] sink = new byte[1 << 16];
                for (int n; skipped < MAX_DRAIN && (n = in.read(sink)) > 0;) {
                    skipped += n;
                }
                throw new HttpError(413, "request body larger than " + max + " bytes (serve.max_body_bytes)");
            }
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new HttpError(400, "expected a JSON object");
        }
        return (ObjectNode) n;
    }

    private static ObjectNode error(String message) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("error", message);
        return o;
    }

    static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = (Json.compact(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting requests, finishes the running batch, fails queued ones; the engine stays open. */
    @Override
    public void close() {
        http.stop(1);
        scheduler.close();
        handlers.shutdown();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
