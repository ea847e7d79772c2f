package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pefttrainer.core.io.Json;

/**
 * A load and fault harness for {@code peft serve}, over loopback HTTP only: many concurrent generate requests over
 * the loaded adapters while another adapter is loaded and unloaded again and again, mixed with malformed JSON,
 * unknown adapters, negative and huge max_new_tokens, one oversized body, and slow clients that hold connections
 * open. Every answer is checked: a valid request gets 200 with the text the same request gets when sent alone
 * afterwards (batching and churn must not change results), or 429 (queue full) / 404 (its adapter was unloaded);
 * every bad one gets its 4xx with a JSON error. The server must answer /health at the end. Bounded in count and time.
 */
public final class ServeLoad {
    /** What to send. */
    public record Plan(int requests, int slowClients, List<String> adapters, String churnAdapter, Path churnFolder,
            long seed, boolean oversizedBody, Duration timeout) {}

    /** What came back: counts per status, latencies of the 200s, and every answer that broke a rule. */
    public record Report(int sent, Map<Integer, Integer> statuses, Map<String, Integer> kinds, double p50Millis,
            double p99Millis, double maxMillis, double seconds, int churnCycles, List<String> violations,
            boolean healthyAfter) {

        public String summary() {
            return String.format(Locale.ROOT, "%d requests in %.1f s; statuses %s; kinds %s; 200s: p50 %.0f ms, "
                    + "p99 %.0f ms, max %.0f ms; %d load/unload cycles; server up after: %s; violations: %d",
                    sent, seconds, statuses, kinds, p50Millis, p99Millis, maxMillis, churnCycles, healthyAfter,
                    violations.size());
        }
    }

    private enum Kind { VALID, CHURN, MALFORMED, UNKNOWN_ADAPTER, NEGATIVE_TOKENS, HUGE_TOKENS, OVERSIZED, CHAT_STREAM,
        OPENAI_UNKNOWN_MODEL }

    /** The base model's name in the OpenAI API: the served model folder's name. */
    static final String BASE_MODEL = "model";

    private record Sent(Kind kind, String adapter, String text, String body, String path) {
        Sent(Kind kind, String adapter, String text, String body) {
            this(kind, adapter, text, body, "/generate");
        }
    }

    private record Answer(int status, JsonNode body, double millis, String problem) {}

    private final URI base;
    private final HttpClient client;

    public ServeLoad(URI base) {
        this.base = base;
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "serve-load-client");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().executor(pool).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public Report run(Plan plan) throws InterruptedException {
        Random rnd = new Random(plan.seed());
        List<Sent> sends = new ArrayList<>();
        for (int i = 0; i < plan.requests(); i++) {
            sends.add(pick(rnd, plan, i));
        }
        if (plan.oversizedBody()) {
            sends.add(new Sent(Kind.OVERSIZED, null, null, null));
        }
        List<Socket> slow = openSlowClients(plan.slowClients());
        AtomicBoolean churning = new AtomicBoolean(true);
        int[] cycles = {0};
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Thread churn = new Thread(() -> churn(plan, churning, cycles, violations), "serve-load-churn");
        long t0 = System.nanoTime();
        churn.start();
        List<CompletableFuture<Answer>> futures = new ArrayList<>();
        for (Sent s : sends) {
            futures.add(send(s, plan.timeout()));
        }
        List<Answer> answers = new ArrayList<>();
        for (CompletableFuture<Answer> f : futures) {
            answers.add(f.join());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        churning.set(false);
        churn.join(TimeUnit.SECONDS.toMillis(60));
        // The churn adapter back, so its answers can be compared with a request sent alone.
        request("POST", "/adapters", "{\"name\": \"" + plan.churnAdapter() + "\", \"path\": "
                + Json.MAPPER.valueToTree(plan.churnFolder().toString()) + "}", plan.timeout());
        Map<String, String> alone = new ConcurrentHashMap<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        List<Double> okMillis = new ArrayList<>();
        for (int i = 0; i < sends.size(); i++) {
            Sent s = sends.get(i);
            Answer a = answers.get(i);
            statuses.merge(a.status(), 1, Integer::sum);
            kinds.merge(s.kind().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            String problem = a.problem() != null ? a.problem() : check(s, a, alone, plan.timeout());
            if (problem != null) {
                violations.add("request " + i + " (" + s.kind() + (s.adapter() == null ? "" : ", adapter "
                        + s.adapter()) + "): " + problem);
            }
            if (a.status() == 200) {
                okMillis.add(a.millis());
            }
        }
        boolean healthy = request("GET", "/health", null, plan.timeout()).status() == 200;
        for (Socket s : slow) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed by the server
            }
        }
        Collections.sort(okMillis);
        return new Report(sends.size(), statuses, kinds, quantile(okMillis, 0.5), quantile(okMillis, 0.99),
                okMillis.isEmpty() ? 0 : okMillis.get(okMillis.size() - 1), seconds, cycles[0],
                new ArrayList<>(violations), healthy);
    }

    private static Sent pick(Random rnd, Plan plan, int i) {
        double u = rnd.nextDouble();
        String text = words(rnd, 3 + rnd.nextInt(6));
        int tokens = 2 + rnd.nextInt(5);
        if (u < 0.05) {
            String[] broken = {"{\"text\": ", "{text: \"x\"}", "[1, 2", "{\"text\": \"a\" \"adapter\": null}", "\u0000"};
            return new Sent(Kind.MALFORMED, null, null, broken[rnd.nextInt(broken.length)]);
        }
        if (u < 0.10) {
            return new Sent(Kind.UNKNOWN_ADAPTER, "nope", text, body("nope", text, tokens));
        }
        if (u < 0.13) {
            return new Sent(Kind.NEGATIVE_TOKENS, null, text, body(null, text, -1 - rnd.nextInt(100)));
        }
        if (u < 0.16) {
            return new Sent(Kind.HUGE_TOKENS, null, text, body(null, text, 1_000_000_000));
        }
        if (u < 0.31) {
            return new Sent(Kind.CHURN, plan.churnAdapter(), text, body(plan.churnAdapter(), text, tokens));
        }
        List<String> choices = new ArrayList<>(plan.adapters());
        choices.add(null); // the base model
        String adapter = choices.get(i % choices.size());
        if (u < 0.34) {
            return new Sent(Kind.OPENAI_UNKNOWN_MODEL, "nope", text, "{\"model\": \"nope\", \"prompt\": \"" + text
                    + "\"}", "/v1/completions");
        }
        if (u < 0.50) {
            return new Sent(Kind.CHAT_STREAM, adapter, text, chatBody(adapter, text, tokens, true),
                    "/v1/chat/completions");
        }
        return new Sent(Kind.VALID, adapter, text, body(adapter, text, tokens));
    }

    private static String body(String adapter, String text, int maxNewTokens) {
        return "{\"adapter\": " + (adapter == null ? "null" : "\"" + adapter + "\"") + ", \"text\": \"" + text
                + "\", \"max_new_tokens\": " + maxNewTokens + "}";
    }

    private static String chatBody(String adapter, String text, int maxTokens, boolean stream) {
        return "{\"model\": \"" + (adapter == null ? BASE_MODEL : adapter) + "\", \"messages\": [{\"role\": \"user\","
                + " \"content\": \"" + text + "\"}], \"max_tokens\": " + maxTokens + ", \"temperature\": 0, \"stream\": "
                + stream + "}";
    }

    private static String words(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            sb.append(k == 0 ? "" : " ").append('w').append(3 + rnd.nextInt(150));
        }
        return sb.toString();
    }

    private CompletableFuture<Answer> send(Sent s, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(s.path())).timeout(timeout);
        if (s.kind() == Kind.OVERSIZED) {
            byte[] big = new byte[50 * 1024 * 1024];
            Arrays.fill(big, (byte) ' ');
            big[0] = '{';
            b.POST(HttpRequest.BodyPublishers.ofByteArray(big));
        } else {
            b.POST(HttpRequest.BodyPublishers.ofString(s.body()));
        }
        long t0 = System.nanoTime();
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .handle((r, e) -> answer(r, e, t0));
    }

    private Answer request(String method, String path, String body, Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        try {
            return answer(client.send(req, HttpResponse.BodyHandlers.ofString()), null, t0);
        } catch (IOException e) {
            return answer(null, e, t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer(null, e, t0);
        }
    }

    private static Answer answer(HttpResponse<String> r, Throwable e, long t0) {
        double ms = (System.nanoTime() - t0) / 1e6;
        if (e != null) {
            return new Answer(-1, null, ms, "no answer: " + e);
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("text/event-stream")) {
            return streamed(r, ms);
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(r.body());
        } catch (IOException ex) {
            return new Answer(r.statusCode(), null, ms, "body is not JSON: " + abbreviate(r.body()));
        }
        if (!type.startsWith("application/json")) {
            return new Answer(r.statusCode(), body, ms, "Content-Type " + type);
        }
        if (r.statusCode() != 200 && r.statusCode() != 201 && (body == null || !body.hasNonNull("error"))) {
            return new Answer(r.statusCode(), body, ms, "a " + r.statusCode() + " without an error field");
        }
        return new Answer(r.statusCode(), body, ms, null);
    }

    /**
     * A chat completion's event stream as {"content": the deltas joined}; a problem when an event is not a JSON
     * chunk, the stream does not end with [DONE], or it carries an error event.
     */
    private static Answer streamed(HttpResponse<String> r, double ms) {
        String[] blocks = r.body().split("\n\n");
        if (!blocks[blocks.length - 1].equals("data: [DONE]")) {
            return new Answer(r.statusCode(), null, ms, "stream does not end with data: [DONE]");
        }
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < blocks.length - 1; i++) {
            if (!blocks[i].startsWith("data: ")) {
                return new Answer(r.statusCode(), null, ms, "not an event: " + abbreviate(blocks[i]));
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(blocks[i].substring(6));
            } catch (IOException e) {
                return new Answer(r.statusCode(), null, ms, "event is not JSON: " + abbreviate(blocks[i]));
            }
            if (chunk.has("error")) {
                return new Answer(r.statusCode(), chunk, ms, "error event: " + chunk.get("error"));
            }
            content.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
        }
        return new Answer(r.statusCode(), Json.MAPPER.createObjectNode().put("content", content.toString()), ms, null);
    }

    /** OpenAI's error shape: {"error": {"message": text, "type": text, "param": ..., "code": ...}}. */
    private static String openAiShape(Answer a) {
        JsonNode e = a.body() == null ? null : a.body().get("error");
        return e != null && e.isObject() && e.path("message").isTextual() && e.path("type").isTextual()
                && e.has("param") && e.has("code") ? null : "not an OpenAI error: " + a.body();
    }

    /** The rule for each kind of request; null when the answer keeps it. */
    private String check(Sent s, Answer a, Map<String, String> alone, Duration timeout) {
        String error = a.body() != null && a.body().has("error") ? a.body().get("error").asText() : "";
        return switch (s.kind()) {
            case MALFORMED -> a.status() == 400 && (error.startsWith("malformed JSON") || error.startsWith("expected a"))
                    ? null : "expected 400 malformed JSON, got " + a.status() + " " + error;
            case UNKNOWN_ADAPTER -> a.status() == 404 && error.contains("'nope'") ? null
                    : "expected 404 naming 'nope', got " + a.status() + " " + error;
            case NEGATIVE_TOKENS -> a.status() == 400 && error.contains("max_new_tokens") ? null
                    : "expected 400 on max_new_tokens, got " + a.status() + " " + error;
            case HUGE_TOKENS -> a.status() == 400 && error.contains("serve.max_new_tokens") ? null
                    : "expected 400 above the limit, got " + a.status() + " " + error;
            case OVERSIZED -> a.status() == 413 ? null : "expected 413, got " + a.status() + " " + error;
            case CHURN -> a.status() == 404 && error.contains("'" + s.adapter() + "'") ? null
                    : a.status() == 429 ? null : a.status() == 200 ? sameAsAlone(s, a, alone, timeout)
                    : "expected 200, or 404 naming the unloaded adapter, got " + a.status() + " " + error;
            case VALID -> a.status() == 429 ? null : a.status() == 200 ? sameAsAlone(s, a, alone, timeout)
                    : "expected 200 (or 429 when busy), got " + a.status() + " " + error;
            case OPENAI_UNKNOWN_MODEL -> a.status() == 404 && "model_not_found".equals(a.body().path("error")
                    .path("code").asText()) ? openAiShape(a) : "expected 404 model_not_found, got " + a.status() + " "
                    + a.body();
            case CHAT_STREAM -> a.status() == 429 ? openAiShape(a) : a.status() == 200 ? sameChatAlone(s, a, alone,
                    timeout) : "expected 200 (or 429 when busy), got " + a.status() + " " + a.body();
        };
    }

    /** The streamed content equals the same chat completion, not streamed, sent alone after the load. */
    private String sameChatAlone(Sent s, Answer a, Map<String, String> alone, Duration timeout) {
        String got = a.body().path("content").asText();
        String single = s.body().replace("\"stream\": true", "\"stream\": false");
        String want = alone.computeIfAbsent(single, b -> {
            Answer one = request("POST", "/v1/chat/completions", b, timeout);
            return one.status() == 200 ? one.body().path("choices").path(0).path("message").path("content").asText()
                    : "<status " + one.status() + ">";
        });
        return want.equals(got) ? null : "streamed '" + got + "' under load, '" + want + "' alone";
    }

    /** The generated text equals what the same request gets alone, after the load. */
    private String sameAsAlone(Sent s, Answer a, Map<String, String> alone, Duration timeout) {
        String got = a.body().path("generated").asText(null);
        if (got == null) {
            return "200 without 'generated': " + a.body();
        }
        String want = alone.computeIfAbsent(s.body(), b -> {
            Answer single = request("POST", "/generate", b, timeout);
            return single.status() == 200 ? single.body().path("generated").asText() : "<status " + single.status()
                    + ">";
        });
        return want.equals(got) ? null : "generated '" + got + "' under load, '" + want + "' alone";
    }

    private void churn(Plan plan, AtomicBoolean running, int[] cycles, List<String> violations) {
        String load = "{\"name\": \"" + plan.churnAdapter() + "\", \"path\": "
                + Json.MAPPER.valueToTree(plan.churnFolder().toString()) + "}";
        while (running.get()) {
            Answer l = request("POST", "/adapters", load, plan.timeout());
            if (l.status() != 201 && l.status() != 409) {
                violations.add("load of " + plan.churnAdapter() + ": " + l.status() + " " + l.body());
            }
            sleep(30);
            Answer u = request("DELETE", "/adapters/" + plan.churnAdapter(), null, plan.timeout());
            if (u.status() != 200 && u.status() != 404) {
                violations.add("unload of " + plan.churnAdapter() + ": " + u.status() + " " + u.body());
            }
            cycles[0]++;
            sleep(20);
        }
    }

    /** Connections that send part of a request and then hold still. */
    private List<Socket> openSlowClients(int n) {
        List<Socket> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
                OutputStream o = s.getOutputStream();
                String head = i % 2 == 0
                        ? "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n{\"text\": \"w1"
                        : "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Le";
                o.write(head.getBytes(StandardCharsets.US_ASCII));
                o.flush();
                out.add(s);
            } catch (IOException e) {
                break; // the server refusing more connections is fine; it must still answer the rest
            }
        }
        return out;
    }

    private static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
