package org.pefttrainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.cli.ChatFixtures;
import org.pefttrainer.recipes.ModelSession;

/**
 * The OpenAI-compatible endpoints over real loopback requests on a tiny random Llama with a chat template and a
 * LoRA adapter: the model list, completions and chat completions giving /generate's text, streaming adding up to the
 * non-streamed text, stop strings, usage, and OpenAI's error shape and statuses.
 */
class OpenAiApiTest {
    @TempDir static Path dir;
    static InferenceEngine engine;
    static InferenceServer server;
    static HttpClient client;
    static String base;

    @BeforeAll
    static void start() throws IOException {
        Path[] f = ChatFixtures.write(dir);
        TrainerConfig cfg = ConfigArguments.split(List.of("model.path=" + f[0], "device=cpu")).load().settings();
        engine = new InferenceEngine(ModelSession.open(cfg.model(), cfg.device(), f[0]), 512);
        engine.load("summarizer", f[1]);
        server = new InferenceServer(engine, GenerationSettings.of(GenerationConfig.builder().maxNewTokens(8).build(),
                1), new InferenceServer.Settings("127.0.0.1", 0, 4, 5, 1 << 20, 64, 256, 300_000, false, null));
        server.start();
        client = HttpClient.newHttpClient();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    record Reply(int status, String body, String contentType) {
        JsonNode json() {
            return parse(body);
        }
    }

    static Reply call(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    /** The data lines of an event stream, [DONE] last. */
    static List<JsonNode> events(Reply r) {
        assertTrue(r.contentType().startsWith("text/event-stream"), r.contentType());
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = r.body().split("\n\n");
        assertEquals("data: [DONE]", blocks[blocks.length - 1]);
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: "), blocks[i]);
            out.add(parse(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void modelsListsTheBaseAndEveryAdapterWithItsParent() {
        Reply r = call("GET", "/v1/models", null);
        assertEquals(200, r.status());
        JsonNode data = r.json().get("data");
        assertEquals("list", r.json().get("object").asText());
        assertEquals("tiny-llama", data.get(0).get("id").asText());
        assertTrue(data.get(0).get("parent").isNull());
        assertEquals("summarizer", data.get(1).get("id").asText());
        assertEquals("tiny-llama", data.get(1).get("parent").asText());
    }

    @Test
    void completionGivesGeneratesTextAndStreamingAddsUpToIt() {
        for (String model : new String[] {"tiny-llama", "summarizer"}) {
            String adapter = model.equals("tiny-llama") ? "null" : "\"summarizer\"";
            String generated = parse(call("POST", "/generate", "{\"adapter\": " + adapter
                    + ", \"text\": \"w1 w2 w3\", \"max_new_tokens\": 6}").body()).get("generated").asText();
            Reply r = call("POST", "/v1/completions", "{\"model\": \"" + model + "\", \"prompt\": \"w1 w2 w3\","
                    + " \"max_tokens\": 6, \"temperature\": 0}");
            assertEquals(200, r.status(), r.body());
            JsonNode choice = r.json().get("choices").get(0);
            assertEquals(generated, choice.get("text").asText(), model);
            assertEquals(model, r.json().get("model").asText());
            assertEquals("text_completion", r.json().get("object").asText());
            JsonNode usage = r.json().get("usage");
            assertEquals(3, usage.get("prompt_tokens").asInt()); // 3 words (init-model's tokenizer adds no BOS)
            assertTrue(usage.get("completion_tokens").asInt() >= 1 && usage.get("completion_tokens").asInt() <= 6);
            assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(),
                    usage.get("total_tokens").asInt());
            String finish = choice.get("finish_reason").asText();
            assertEquals(usage.get("completion_tokens").asInt() == 6 ? "length" : "stop", finish);

            List<JsonNode> events = events(call("POST", "/v1/completions", "{\"model\": \"" + model + "\","
                    + " \"prompt\": \"w1 w2 w3\", \"max_tokens\": 6, \"temperature\": 0, \"stream\": true}"));
            StringBuilder streamed = new StringBuilder();
            for (JsonNode e : events) {
                streamed.append(e.get("choices").get(0).get("text").asText());
            }
            assertEquals(generated, streamed.toString(), model);
            assertEquals(finish, events.get(events.size() - 1).get("choices").get(0).get("finish_reason").asText());
            assertTrue(events.size() >= 2, "a chunk per step that adds text, then the finish: " + events.size());
        }
    }

    @Test
    void chatCompletionRendersTheTemplateAndStreamsTheSameText() {
        String body = "{\"model\": \"summarizer\", \"messages\": [{\"role\": \"system\", \"content\": \"w5\"},"
                + " {\"role\": \"user\", \"content\": \"w7 w8\"}], \"max_tokens\": 5, \"temperature\": 0";
        Reply r = call("POST", "/v1/chat/completions", body + "}");
        assertEquals(200, r.status(), r.body());
        JsonNode msg = r.json().get("choices").get(0).get("message");
        assertEquals("assistant", msg.get("role").asText());
        assertEquals("chat.completion", r.json().get("object").asText());
        // the prompt is the rendered template, tokenized without added specials: 6 words + 6 template tokens
        assertTrue(r.json().get("usage").get("prompt_tokens").asInt() > 3);
        List<JsonNode> events = events(call("POST", "/v1/chat/completions", body + ", \"stream\": true}"));
        assertEquals("assistant", events.get(0).get("choices").get(0).get("delta").get("role").asText());
        StringBuilder streamed = new StringBuilder();
        for (JsonNode e : events) {
            streamed.append(e.get("choices").get(0).get("delta").path("content").asText(""));
            assertEquals("chat.completion.chunk", e.get("object").asText());
        }
        assertEquals(msg.get("content").asText(), streamed.toString());
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() {
        String full = call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"w9\","
                + " \"max_tokens\": 8, \"temperature\": 0}").json().get("choices").get(0).get("text").asText();
        String[] words = full.split(" ");
        if (words.length < 3) {
            return; // the random model ended at once: nothing to cut
        }
        String stop = words[2];
        int at = full.indexOf(stop);
        JsonNode c = call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"w9\", \"max_tokens\": 8,"
                + " \"temperature\": 0, \"stop\": [\"" + stop + "\"]}").json().get("choices").get(0);
        assertEquals(full.substring(0, at).strip(), c.get("text").asText(), full + " | stop " + stop + " | " + c);
        assertEquals("stop", c.get("finish_reason").asText());
        StringBuilder streamed = new StringBuilder();
        for (JsonNode e : events(call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"w9\","
                + " \"max_tokens\": 8, \"temperature\": 0, \"stop\": \"" + stop + "\", \"stream\": true}"))) {
            streamed.append(e.get("choices").get(0).get("text").asText());
        }
        assertEquals(c.get("text").asText(), streamed.toString());
    }

    @Test
    void errorsHaveOpenAisShapeAndStatus() {
        Reply unknown = call("POST", "/v1/completions", "{\"model\": \"nope\", \"prompt\": \"w1\"}");
        assertEquals(404, unknown.status());
        JsonNode e = unknown.json().get("error");
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals("model", e.get("param").asText());
        assertEquals("model_not_found", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("nope"));

        Reply bad = call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"w1\", \"temperature\": 7}");
        assertEquals(400, bad.status());
        assertEquals("temperature", bad.json().get("error").get("param").asText());
        Reply unsupported = call("POST", "/v1/chat/completions", "{\"model\": \"tiny-llama\", \"messages\": [],"
                + " \"tools\": []}");
        assertEquals(400, unsupported.status());
        assertEquals("tools", unsupported.json().get("error").get("param").asText());
        Reply tooMany = call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \"w1\", \"max_tokens\": 65}");
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.json().get("error").get("message").asText().contains("serve.max_new_tokens"));
        Reply tooLong = call("POST", "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": \""
                + "w1 ".repeat(600).strip() + "\"}");
        assertEquals(400, tooLong.status());
        assertEquals("context_length_exceeded", tooLong.json().get("error").get("code").asText());
        Reply path = call("GET", "/v1/embeddings", null);
        assertEquals(404, path.status());
        assertNull(path.json().get("error").get("param").textValue());
        Reply method = call("GET", "/v1/completions", null);
        assertEquals(405, method.status());
        assertFalse(method.json().get("error").get("message").asText().isEmpty());
    }

    /**
     * Streaming requests share batches with each other and with /generate: three sent together (a long batch
     * wait) run as one generate call, and each stream still adds up to its own non-streamed text.
     */
    @Test
    void streamingRequestsShareBatches() throws Exception {
        try (InferenceServer batching = new InferenceServer(engine, GenerationSettings.of(GenerationConfig.builder()
                .maxNewTokens(8).build(), 1), new InferenceServer.Settings("127.0.0.1", 0, 4, 1500, 1 << 20, 64, 256,
                300_000, false, null))) {
            batching.start();
            URI uri = URI.create("http://127.0.0.1:" + batching.port() + "/v1/completions");
            String[] prompts = {"w1 w2", "w3", "w4 w5 w6"};
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (String p : prompts) {
                streams.add(client.sendAsync(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\": \"summarizer\", \"prompt\": \"" + p + "\", \"max_tokens\": 6,"
                                + " \"temperature\": 0, \"stream\": true}")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            long batchesBefore = batching.scheduler().batches();
            for (int i = 0; i < prompts.length; i++) {
                HttpResponse<String> r = streams.get(i).get();
                StringBuilder streamed = new StringBuilder();
                for (JsonNode e : events(new Reply(r.statusCode(), r.body(),
                        r.headers().firstValue("Content-Type").orElse("")))) {
                    streamed.append(e.get("choices").get(0).get("text").asText());
                }
                String alone = call("POST", "/v1/completions", "{\"model\": \"summarizer\", \"prompt\": \""
                        + prompts[i] + "\", \"max_tokens\": 6, \"temperature\": 0}").json().get("choices").get(0)
                        .get("text").asText();
                assertEquals(alone, streamed.toString(), prompts[i]);
            }
            assertEquals(3, batching.scheduler().largestBatch(), "the three streams ran in one batch");
            assertTrue(batching.scheduler().batches() - batchesBefore <= 1);
        }
    }

    /**
     * When the model's settings ask for beam search (which picks its sequence only at the end), a stream still
     * carries the whole text, and usage and finish_reason count the generated tokens, as without a stream.
     */
    @Test
    void beamSearchDefaultsStreamTheirTextAtTheEnd() throws Exception {
        GenerationConfig beams = GenerationConfig.builder().maxNewTokens(6).numBeams(2)
                .strategy(GenerationConfig.Strategy.BEAM).build();
        try (InferenceServer beam = new InferenceServer(engine, GenerationSettings.of(beams, 2),
                new InferenceServer.Settings("127.0.0.1", 0, 4, 5, 1 << 20, 64, 256, 300_000, false, null))) {
            beam.start();
            URI uri = URI.create("http://127.0.0.1:" + beam.port());
            String body = "{\"model\": \"summarizer\", \"prompt\": \"w1 w2 w3\"";
            String generated = parse(client.send(HttpRequest.newBuilder(uri.resolve("/generate")).POST(
                    HttpRequest.BodyPublishers.ofString("{\"adapter\": \"summarizer\", \"text\": \"w1 w2 w3\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).get("generated").asText();
            JsonNode plain = parse(client.send(HttpRequest.newBuilder(uri.resolve("/v1/completions")).POST(
                    HttpRequest.BodyPublishers.ofString(body + "}")).build(), HttpResponse.BodyHandlers.ofString())
                    .body());
            JsonNode choice = plain.get("choices").get(0);
            assertEquals(generated, choice.get("text").asText());
            int tokens = plain.get("usage").get("completion_tokens").asInt();
            assertTrue(tokens >= 1 && tokens <= 6, plain.toString());
            assertEquals(tokens == 6 ? "length" : "stop", choice.get("finish_reason").asText());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve("/v1/completions")).POST(
                    HttpRequest.BodyPublishers.ofString(body + ", \"stream\": true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            StringBuilder streamed = new StringBuilder();
            List<JsonNode> events = events(new Reply(r.statusCode(), r.body(),
                    r.headers().firstValue("Content-Type").orElse("")));
            for (JsonNode e : events) {
                streamed.append(e.get("choices").get(0).get("text").asText());
            }
            assertEquals(generated, streamed.toString());
            assertEquals(choice.get("finish_reason").asText(),
                    events.get(events.size() - 1).get("choices").get(0).get("finish_reason").asText());
        }
    }

    /** With serve.token set, a request without it is a 401 in OpenAI's shape; with it, the answer. */
    @Test
    void theTokenIsAskedForAsOpenAiAsksForAnApiKey() throws Exception {
        try (InferenceServer guarded = new InferenceServer(engine, GenerationSettings.of(GenerationConfig.builder()
                .maxNewTokens(4).build(), 1), new InferenceServer.Settings("127.0.0.1", 0, 4, 5, 1 << 20, 64, 256,
                300_000, false, "s3cret"))) {
            guarded.start();
            URI models = URI.create("http://127.0.0.1:" + guarded.port() + "/v1/models");
            HttpResponse<String> no = client.send(HttpRequest.newBuilder(models).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, no.statusCode());
            JsonNode e = parse(no.body()).get("error");
            assertEquals("authentication_error", e.get("type").asText());
            assertEquals("invalid_api_key", e.get("code").asText());
            HttpResponse<String> yes = client.send(HttpRequest.newBuilder(models).header("Authorization",
                    "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, yes.statusCode(), yes.body());
        }
    }

    /**
     * The official openai client (npm "openai" 7.x, tools/openai-client; installed by this test with npm ci when
     * missing) against the server: the model list, completions with the adapter and with the base, streamed and not
     * (the same text as /generate), a chat completion streamed and not, and an unknown model as its NotFoundError.
     */
    @Test
    void theOfficialOpenAiClientWorksUnchanged() throws Exception {
        Path client = Path.of("..", "tools", "openai-client").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("node", "--version").start().waitFor() == 0,
                "node is not installed");
        if (!Files.isDirectory(client.resolve("node_modules").resolve("openai"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(client.toFile())
                    .redirectErrorStream(true).start();
            String log = new String(npm.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, npm.waitFor(), "npm ci in " + client + ": " + log);
        }
        Process node = new ProcessBuilder("node", "check.mjs", base + "/v1", "summarizer", "w1 w2 w3")
                .directory(client.toFile()).start();
        String stdout = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String stderr = new String(node.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, node.waitFor(), stderr);
        JsonNode r = parse(stdout);
        assertEquals("tiny-llama", r.get("models").get(0).get("id").asText());
        assertEquals("tiny-llama", r.get("models").get(1).get("parent").asText());
        for (String key : new String[] {"adapter", "base"}) {
            String adapter = key.equals("adapter") ? "\"summarizer\"" : "null";
            String generated = parse(call("POST", "/generate", "{\"adapter\": " + adapter
                    + ", \"text\": \"w1 w2 w3\", \"max_new_tokens\": 6}").body()).get("generated").asText();
            JsonNode c = r.get(key);
            assertEquals(generated, c.get("text").asText(), key);
            assertEquals(generated, c.get("streamed").asText(), key + " streamed");
            assertEquals(c.get("finish").asText(), c.get("streamedFinish").asText());
            assertEquals(3, c.get("usage").get("prompt_tokens").asInt());
        }
        JsonNode chat = r.get("chat");
        assertEquals("assistant", chat.get("role").asText());
        assertEquals(chat.get("content").asText(), chat.get("streamed").asText());
        JsonNode unknown = r.get("unknownModel");
        assertTrue(unknown.get("notFound").asBoolean(), unknown.toString());
        assertEquals(404, unknown.get("status").asInt());
        assertEquals("model_not_found", unknown.get("code").asText());
    }
}
