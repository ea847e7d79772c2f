package org.pefttrainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.cli.InferenceFixtures;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.recipes.ModelSession;

/** The HTTP server over real loopback requests (java.net.http.HttpClient). */
class InferenceServerTest {
    @TempDir static Path dir;
    static InferenceFixtures fx;
    static InferenceEngine engine;
    static InferenceServer server;
    static HttpClient client;
    static String base;
    static final GenerationConfig DEFAULTS = GenerationConfig.builder().maxNewTokens(6).build();

    @BeforeAll
    static void start() throws IOException {
        fx = new InferenceFixtures(dir);
        TrainerConfig cfg = ConfigArguments.split(List.of("model.path=" + fx.model, "device=cpu")).load().settings();
        engine = new InferenceEngine(ModelSession.open(cfg.model(), cfg.device(), fx.model), 512);
        engine.load("a", fx.loraA);
        engine.load("b", fx.loraB);
        engine.load("p", fx.prompt);
        // A long batch wait, so that requests sent together reliably share a batch.
        server = new InferenceServer(engine, GenerationSettings.of(DEFAULTS, 3), new InferenceServer.Settings(
                cfg.serve().host(), 0, 4, 1500, 1 << 20, 512, 256, 300_000, true, null));
        server.start();
        client = HttpClient.newHttpClient();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    static Reply call(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
            return new Reply(r.statusCode(), Json.MAPPER.readTree(r.body()), r);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static CompletableFuture<Reply> async(String body) {
        return CompletableFuture.supplyAsync(() -> call("POST", "/generate", body));
    }

    /** What the engine generates for one row alone (the truth a batched request must reproduce). */
    static String alone(String adapter, String text, GenerationConfig config) {
        GradMode.disableOnThisThread();
        synchronized (InferenceServerTest.class) {
            List<Completion> c = engine.generate(List.of(new InferenceEngine.Row(adapter, text)), config);
            return c.get(0).best();
        }
    }

    static String generateBody(String adapter, String text, String extra) {
        return "{\"adapter\": " + (adapter == null ? "null" : "\"" + adapter + "\"") + ", \"text\": \"" + text + "\""
                + extra + "}";
    }

    /**
     * A DoRA adapter shares the mixed generate call with plain LoRA and the base; an adapter with a trained lm_head
     * copy (modules_to_save, made different from the base's here) runs in a call of its own. Every row gets what it
     * gets alone.
     */
    @Test
    void doraAndModulesToSaveAdaptersInOneRequestListGetWhatTheyGetAlone(@org.junit.jupiter.api.io.TempDir Path tmp) {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            var t5 = org.pefttrainer.core.model.t5.T5Loader.load(
                    org.pefttrainer.core.io.hf.HfModelFolder.open(fx.model), m, null);
            var init = org.pefttrainer.peft.lora.LoraInit.NONE;
            try (var dora = org.pefttrainer.peft.lora.LoraModel.create(t5, org.pefttrainer.peft.lora.LoraConfig
                    .builder().r(4).loraAlpha(8).useDora(true).initLoraWeights(init).build(), 4, m);
                    var whole = org.pefttrainer.peft.lora.LoraModel.create(t5, org.pefttrainer.peft.lora.LoraConfig
                    .builder().r(2).modulesToSave(List.of("lm_head")).initLoraWeights(init).build(), 5, m)) {
                whole.overrides().values().forEach(v -> v.muli(1.5f));
                dora.save(tmp.resolve("dora"));
                whole.save(tmp.resolve("whole"));
            }
        }
        engine.load("d", tmp.resolve("dora"));
        engine.load("w", tmp.resolve("whole"));
        try {
            List<String> adapters = Arrays.asList("a", "d", "w", null, "w", "d");
            List<InferenceEngine.Row> rows = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                rows.add(new InferenceEngine.Row(adapters.get(i), InferenceFixtures.text(i)));
            }
            List<Completion> together;
            synchronized (InferenceServerTest.class) {
                GradMode.disableOnThisThread();
                together = engine.generate(rows, DEFAULTS);
            }
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(alone(adapters.get(i), rows.get(i).text(), DEFAULTS), together.get(i).best(),
                        "row " + i + " (" + adapters.get(i) + ")");
            }
            assertNotEquals(alone("w", rows.get(2).text(), DEFAULTS), alone(null, rows.get(2).text(), DEFAULTS),
                    "the lm_head copy changes the output");
        } finally {
            engine.registry().unload("d");
            engine.registry().unload("w");
        }
    }

    @Test
    void bindsLoopbackByDefaultAndReportsHealth() {
        assertEquals("127.0.0.1", server.host());
        Reply r = call("GET", "/health", null);
        assertEquals(200, r.status());
        assertEquals("ok", r.body().get("status").asText());
        assertEquals(3, r.body().get("adapters").asInt());
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsWhatItGetsAlone() {
        List<String> adapters = Arrays.asList("a", null, "p", "b");
        String text = InferenceFixtures.text(1);
        long batchesBefore;
        List<Reply> replies = new ArrayList<>();
        synchronized (InferenceServerTest.class) {
            batchesBefore = server.scheduler().batches();
            List<CompletableFuture<Reply>> fs = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                fs.add(async(generateBody(adapters.get(i), InferenceFixtures.text(i), "")));
            }
            fs.forEach(f -> replies.add(f.join()));
            assertEquals(batchesBefore + 1, server.scheduler().batches(), "four requests, one generate call");
        }
        for (int i = 0; i < adapters.size(); i++) {
            Reply r = replies.get(i);
            assertEquals(200, r.status(), r.body().toString());
            assertEquals(4, r.body().get("batch_size").asInt());
            assertEquals(InferenceFixtures.text(i), r.body().get("text").asText());
            assertEquals(adapters.get(i) == null ? null : adapters.get(i), r.body().get("adapter").isNull() ? null
                    : r.body().get("adapter").asText());
            assertEquals(alone(adapters.get(i), InferenceFixtures.text(i), DEFAULTS), r.body().get("generated").asText(),
                    "row " + i);
            assertTrue(r.body().get("tokens").asInt() >= 1);
            assertTrue(r.body().get("seconds").asDouble() > 0);
        }
        // The adapters matter here: not every row generates what the base model does.
        int differs = 0;
        for (int i = 0; i < adapters.size(); i++) {
            differs += alone(null, InferenceFixtures.text(i), DEFAULTS).equals(replies.get(i).body().get("generated")
                    .asText()) ? 0 : 1;
        }
        assertTrue(differs >= 2, "adapted rows differ from the base model: " + differs);
        assertFalse(text.isEmpty());
    }

    @Test
    void differentDecodingOptionsGoInSeparateBatches() {
        synchronized (InferenceServerTest.class) {
            long before = server.scheduler().batches();
            List<CompletableFuture<Reply>> fs = List.of(
                    async(generateBody("a", "w5 w6", ", \"max_new_tokens\": 3")),
                    async(generateBody("b", "w7 w8", ", \"max_new_tokens\": 4")),
                    async(generateBody(null, "w9 w10", ", \"max_new_tokens\": 3")),
                    async(generateBody("p", "w11", ", \"max_new_tokens\": 4")));
            List<Reply> rs = fs.stream().map(CompletableFuture::join).toList();
            assertEquals(before + 2, server.scheduler().batches());
            for (Reply r : rs) {
                assertEquals(200, r.status());
                assertEquals(2, r.body().get("batch_size").asInt());
            }
            assertTrue(rs.get(0).body().get("tokens").asInt() <= 3);
        }
        // Beam search over HTTP returns several sequences, best first, equal to the row alone.
        Reply beam = call("POST", "/generate", generateBody("b", "w12 w13 w14", ", \"num_beams\": 3, "
                + "\"num_return_sequences\": 2"));
        assertEquals(200, beam.status(), beam.body().toString());
        assertEquals(2, beam.body().get("sequences").size());
        assertEquals(alone("b", "w12 w13 w14", DEFAULTS.toBuilder().strategy(GenerationConfig.Strategy.BEAM)
                .numBeams(3).numReturnSequences(2).build()), beam.body().get("generated").asText());
    }

    @Test
    void badRequestsGet4xxWithAJsonError() {
        assertError(400, "malformed JSON: ", call("POST", "/generate", "{\"text\": "));
        assertError(400, "expected a JSON object", call("POST", "/generate", "[1, 2]"));
        assertError(400, "missing field 'text' (the input to generate from)", call("POST", "/generate", "{}"));
        assertError(400, "field 'text' must be a string, got number", call("POST", "/generate", "{\"text\": 5}"));
        assertError(404, "unknown adapter 'zz' (loaded: a, b, p)", call("POST", "/generate",
                generateBody("zz", "w1", "")));
        assertError(400, "num_beams must be an integer, got \"abc\"", call("POST", "/generate",
                generateBody("a", "w1", ", \"num_beams\": \"abc\"")));
        assertError(400, "generation settings: top_p must be in (0, 1], got 2.0", call("POST", "/generate",
                generateBody("a", "w1", ", \"strategy\": \"sample\", \"top_p\": 2")));
        assertError(400, "generation settings: max_new_tokens must be at least 1, got 0", call("POST", "/generate",
                generateBody("a", "w1", ", \"max_new_tokens\": 0")));
        assertError(400, "unknown field 'max_tokens' (decoding options: ", call("POST", "/generate",
                generateBody("a", "w1", ", \"max_tokens\": 5")));
        Reply wrongMethod = call("GET", "/generate", null);
        assertError(405, "method GET not allowed here (use POST)", wrongMethod);
        assertEquals("POST", wrongMethod.raw().headers().firstValue("Allow").orElse(""));
        assertError(405, "method PUT not allowed here (use GET, POST)", call("PUT", "/adapters", "{}"));
        assertError(404, "no such path: /generat ", call("POST", "/generat", "{}"));
    }

    @Test
    void aTinyTemperatureIsGreedyNotAnInternalError() {
        // Issue 25: temperature 1e-45 made score / T overflow and the server answered 500 with the engine's exception.
        Reply greedy = call("POST", "/generate", generateBody("a", "w1 w2", ", \"strategy\": \"greedy\""));
        Reply cold = call("POST", "/generate", generateBody("a", "w1 w2", ", \"strategy\": \"sample\","
                + " \"temperature\": 1e-45, \"seed\": 3"));
        assertEquals(200, cold.status(), cold.body().toString());
        assertEquals(greedy.body().get("text"), cold.body().get("text"));
        assertError(400, "generation settings: seed must be 0 or more, got -1", call("POST", "/generate",
                generateBody("a", "w1", ", \"seed\": -1")));
    }

    @Test
    void loadAndUnloadAdaptersOverHttp() {
        Reply loaded = call("POST", "/adapters", "{\"name\": \"c\", \"path\": \"" + fx.loraA + "\"}");
        assertEquals(201, loaded.status(), loaded.body().toString());
        assertEquals("LORA", loaded.body().get("type").asText());
        assertEquals(2, loaded.body().get("rank").asInt());
        List<String> names = new ArrayList<>();
        call("GET", "/adapters", null).body().get("adapters").forEach(a -> names.add(a.get("name").asText()));
        assertTrue(names.contains("c"), names.toString());
        Reply viaC = call("POST", "/generate", generateBody("c", "w20 w21", ""));
        assertEquals(200, viaC.status());
        // c is the same folder as a: same text.
        assertEquals(call("POST", "/generate", generateBody("a", "w20 w21", "")).body().get("generated"),
                viaC.body().get("generated"));
        assertError(409, "an adapter named 'c' is already loaded", call("POST", "/adapters",
                "{\"name\": \"c\", \"path\": \"" + fx.loraB + "\"}"));
        assertError(400, dir.resolve("nowhere") + ": adapter folder not found", call("POST", "/adapters",
                "{\"name\": \"d\", \"path\": \"" + dir.resolve("nowhere") + "\"}"));
        assertError(400, "missing field 'path'", call("POST", "/adapters", "{\"name\": \"d\"}"));
        Reply unloaded = call("DELETE", "/adapters/c", null);
        assertEquals(200, unloaded.status());
        assertEquals("c", unloaded.body().get("unloaded").asText());
        assertError(404, "unknown adapter 'c'", call("POST", "/generate", generateBody("c", "w20", "")));
        assertError(404, "unknown adapter 'c'", call("DELETE", "/adapters/c", null));
    }

    @Test
    void aRequestWhoseAdapterIsUnloadedWhileQueuedGets404AndTheRestOfItsBatchIsAnswered() throws Exception {
        GenerationConfig cfg = DEFAULTS.toBuilder().maxNewTokens(3).build();
        engine.load("e", fx.loraB);
        try (BatchScheduler s = new BatchScheduler(engine, 4, 1500)) {
            CompletableFuture<Completion> first = s.submit(new InferenceEngine.Row("a", "w1 w2"), cfg);
            CompletableFuture<Completion> gone = s.submit(new InferenceEngine.Row("e", "w3 w4"), cfg);
            CompletableFuture<Completion> third = s.submit(new InferenceEngine.Row("b", "w5 w6"), cfg);
            engine.registry().unload("e"); // within the 1.5 s the worker waits to fill the batch
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> gone.get());
            assertTrue(e.getCause() instanceof org.pefttrainer.peft.registry.AdapterRegistry.UnknownAdapterException u
                    && u.adapter().equals("e") && u.getMessage().contains("'e' was unloaded"), e.getCause().toString());
            assertEquals(alone("a", "w1 w2", cfg), first.get().best());
            assertEquals(alone("b", "w5 w6", cfg), third.get().best());
            assertEquals(2, first.get().batchRows(), "the two requests left ran as one batch");
        }
    }

    @Test
    void aFullQueueAnswersAtOnceWithQueueFull() throws Exception {
        try (BatchScheduler s = new BatchScheduler(engine, 1, 1500, 2)) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fs.add(s.submit(new InferenceEngine.Row(null, "w" + (10 + i)), DEFAULTS.toBuilder().maxNewTokens(2 + i)
                        .build()));
            }
            int full = 0;
            for (CompletableFuture<Completion> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof BatchScheduler.QueueFullException, e.getCause().toString());
                    assertTrue(e.getCause().getMessage().contains("serve.max_queue = 2"), e.getCause().getMessage());
                    full++;
                }
            }
            // at most 2 waiting plus the one the worker holds are accepted
            assertTrue(full == 2 || full == 3, "refused " + full);
        }
    }

    @Test
    void limitsTokenAndAdapterChangesOnAServerWithTheDefaults() throws IOException {
        TrainerConfig cfg = org.pefttrainer.core.config.ConfigLoader.loadSchemaDefaults(List.of("serve.port=0",
                "serve.token=s3cret", "serve.max_new_tokens=16", "serve.max_body_bytes=1000")).settings();
        assertFalse(cfg.serve().allowAdapterChanges(), "adapter changes over HTTP are off by default");
        try (InferenceServer locked = new InferenceServer(engine, GenerationSettings.of(DEFAULTS, 3),
                InferenceServer.Settings.of(cfg.serve()))) {
            locked.start();
            String url = "http://127.0.0.1:" + locked.port();
            Reply noToken = callAt(url, "POST", "/generate", generateBody("a", "w1", ""), null);
            assertError(401, "this server needs a token", noToken);
            assertEquals("Bearer", noToken.raw().headers().firstValue("WWW-Authenticate").orElse(""));
            assertError(401, "wrong token", callAt(url, "GET", "/adapters", null, "Bearer nope"));
            assertEquals(200, callAt(url, "GET", "/health", null, null).status(), "health needs no token");
            String auth = "Bearer s3cret";
            assertEquals(200, callAt(url, "POST", "/generate", generateBody("a", "w1", ""), auth).status());
            assertError(403, "loading and unloading adapters over HTTP is off", callAt(url, "POST", "/adapters",
                    "{\"name\": \"x\", \"path\": \"/etc\"}", auth));
            assertError(403, "loading and unloading adapters over HTTP is off", callAt(url, "DELETE", "/adapters/a",
                    null, auth));
            assertTrue(engine.registry().contains("a"));
            assertError(400, "max_new_tokens 17 is above this server's limit of 16 (serve.max_new_tokens)",
                    callAt(url, "POST", "/generate", generateBody("a", "w1", ", \"max_new_tokens\": 17"), auth));
            assertError(400, "generation settings: max_new_tokens must be at least 1, got -5", callAt(url, "POST",
                    "/generate", generateBody("a", "w1", ", \"max_new_tokens\": -5"), auth));
            assertError(400, "num_beams and num_return_sequences may be at most 32", callAt(url, "POST", "/generate",
                    generateBody("a", "w1", ", \"num_beams\": 100000"), auth));
            assertError(413, "request body larger than 1000 bytes (serve.max_body_bytes)", callAt(url, "POST",
                    "/generate", generateBody("a", "w1 ".repeat(400), ""), auth));
        }
        assertFalse(InferenceServer.Settings.of(cfg.serve()).withAddress("0.0.0.0", 0).loopbackOnly());
        assertTrue(InferenceServer.Settings.of(cfg.serve()).withAddress("localhost", 0).loopbackOnly());
        assertTrue(InferenceServer.Settings.of(cfg.serve()).withAddress("127.0.0.2", 0).loopbackOnly());
    }

    static Reply callAt(String url, String method, String path, String body, String authorization) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), Json.MAPPER.readTree(r.body()), r);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static void assertError(int status, String messageStart, Reply r) {
        assertEquals(status, r.status(), r.body().toString());
        assertTrue(r.body().has("error"), r.body().toString());
        assertTrue(r.body().get("error").asText().startsWith(messageStart.strip()),
                "error '" + r.body().get("error").asText() + "' starts with '" + messageStart + "'");
    }
}
