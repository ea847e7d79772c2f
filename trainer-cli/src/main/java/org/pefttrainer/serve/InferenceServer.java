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
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.inference.DecodingOptions;
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
 * Bad requests get a 4xx status and {@code {"error": "..."}}: malformed JSON, missing or non-string text, unknown
 * adapter, bad option values (400), unknown path (404), wrong method (405, with Allow), existing adapter name (409),
 * body over 1 MB (413). Generate requests wait in a {@link BatchScheduler}, which batches concurrent ones.
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final int MAX_BODY = 1 << 20;
    private static final Set<String> GENERATE_FIELDS = Set.of("adapter", "text");

    private final InferenceEngine engine;
    private final DecodingOptions decoding;
    private final BatchScheduler scheduler;
    private final HttpServer http;
    private final ExecutorService handlers;

    public InferenceServer(InferenceEngine engine, DecodingOptions decoding, String host, int port, int maxBatchSize,
            int batchWaitMs) throws IOException {
        this.engine = engine;
        this.decoding = decoding;
        this.scheduler = new BatchScheduler(engine, maxBatchSize, batchWaitMs);
        this.http = HttpServer.create(new InetSocketAddress(host, port), 64);
        // Handler threads only parse and wait; the scheduler's worker runs the model.
        this.handlers = Executors.newFixedThreadPool(Math.max(16, 2 * maxBatchSize), r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
    }

    public void start() {
        http.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public String host() {
        return http.getAddress().getHostString();
    }

    public BatchScheduler scheduler() {
        return scheduler;
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/generate")) {
                require(method, "POST");
                send(ex, 200, generate(readJson(ex)));
            } else if (path.equals("/adapters")) {
                require(method, "GET", "POST");
                if (method.equals("GET")) {
                    send(ex, 200, adapters());
                } else {
                    send(ex, 201, load(readJson(ex)));
                }
            } else if (path.startsWith("/adapters/") && path.length() > "/adapters/".length()) {
                require(method, "DELETE");
                send(ex, 200, unload(URLDecoder.decode(path.substring("/adapters/".length()), StandardCharsets.UTF_8)));
            } else if (path.equals("/health")) {
                require(method, "GET");
                send(ex, 200, health());
            } else {
                throw new HttpError(404, "no such path: " + path + " (POST /generate, GET|POST /adapters, "
                        + "DELETE /adapters/{name}, GET /health)");
            }
        } catch (HttpError e) {
            if (e.allow() != null) {
                ex.getResponseHeaders().set("Allow", e.allow());
            }
            send(ex, e.status(), error(e.getMessage()));
        } catch (AdapterRegistry.UnknownAdapterException e) {
            send(ex, ex.getRequestMethod().equals("DELETE") ? 404 : 400, error(e.getMessage()));
        } catch (UserException e) {
            send(ex, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            send(ex, 500, error("internal error: " + e));
        } finally {
            ex.close();
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
            throw new HttpError(400, "unknown adapter '" + adapter + "' (loaded: "
                    + (engine.registry().list().isEmpty() ? "none" : String.join(", ",
                    engine.registry().list().keySet())) + ")");
        }
        GenerationConfig config = decoding.apply(body, GENERATE_FIELDS);
        long t0 = System.nanoTime();
        CompletableFuture<Completion> f = scheduler.submit(new InferenceEngine.Row(adapter, text.textValue()), config);
        Completion c;
        try {
            c = f.get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new HttpError(503, "generation did not finish within 10 minutes");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UserException u) {
                throw u;
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

    private static ObjectNode readJson(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            throw new HttpError(413, "request body larger than " + MAX_BODY + " bytes");
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

    private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
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
