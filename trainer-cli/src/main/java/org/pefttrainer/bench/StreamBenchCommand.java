package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.recipes.ModelSession;
import org.pefttrainer.serve.InferenceServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench stream}: one completion through {@code /v1/completions} of an in-process {@code peft serve} on
 * 127.0.0.1, streamed and not: time to the first token, total time and tokens/s of each. Random weights of a config's
 * shape, greedy, EOS ignored so that both generate exactly {@code --max-tokens}; the streamed text must equal the
 * other.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Time to first token and tokens/s of a streamed /v1/completions request against the same request"
                + " not streamed (random weights of CONFIG's shape on 127.0.0.1, greedy, EOS ignored).")
public final class StreamBenchCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "../shared/models/smollm2-135m/config.json",
            description = "Model shape (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--prompt-words", defaultValue = "128", description = "Prompt length in tokens (default: ${DEFAULT-VALUE}).")
    int promptWords;

    @Option(names = "--max-tokens", defaultValue = "64", description = "New tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs of each; medians reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isRegularFile(config)) {
            throw new UserException(config + ": model config not found");
        }
        Path work = BenchAdapters.tempDir("peft-bench-stream");
        try {
            // a word-level tokenizer over the whole vocabulary, so that every generated id decodes to a word
            int vocab = Json.read(config).path("vocab_size").asInt();
            StringBuilder words = new StringBuilder();
            for (int i = 0; i < vocab; i++) {
                words.append('w').append(i).append(i % 20 == 19 ? '\n' : ' ');
            }
            Path model = TrainStepBench.randomModelFolder(config, work, words, vocab);
            TrainerConfig cfg = ConfigLoader.loadSchemaDefaults(List.of("device=cpu")).settings();
            try (InferenceEngine engine = new InferenceEngine(ModelSession.open(cfg.model(), cfg.device(), model),
                    1 << 16)) {
                GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(maxTokens).ignoreEos(true).build();
                InferenceServer.Settings settings = new InferenceServer.Settings("127.0.0.1", 0, 8, 0, 1 << 20,
                        1 << 16, 256, 3_600_000, false, null, "bench");
                try (InferenceServer server = new InferenceServer(engine, GenerationSettings.of(greedy, 1), settings)) {
                    server.start();
                    return measure(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"));
                }
            }
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    private int measure(URI uri) throws Exception {
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < promptWords; i++) {
            prompt.append(i == 0 ? "" : " ").append('w').append((i * 7919 + 3) % 5000);
        }
        String body = "{\"model\": \"bench\", \"prompt\": \"" + prompt + "\", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0";
        HttpClient client = HttpClient.newHttpClient();
        client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body.replace(
                "\"max_tokens\": " + maxTokens, "\"max_tokens\": 4") + "}")).build(), HttpResponse.BodyHandlers.ofString());
        double[] plain = new double[repeats];
        double[] first = new double[repeats];
        double[] streamed = new double[repeats];
        int chunks = 0;
        String plainText = null;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            HttpResponse<String> one = client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers
                    .ofString(body + "}")).build(), HttpResponse.BodyHandlers.ofString());
            plain[r] = (System.nanoTime() - t0) / 1e9;
            JsonNode j = Json.MAPPER.readTree(one.body());
            plainText = j.path("choices").path(0).path("text").asText();
            if (j.path("usage").path("completion_tokens").asInt() != maxTokens) {
                throw new IllegalStateException("expected " + maxTokens + " tokens: " + one.body());
            }
            t0 = System.nanoTime();
            HttpResponse<java.util.stream.Stream<String>> s = client.send(HttpRequest.newBuilder(uri).POST(
                    HttpRequest.BodyPublishers.ofString(body + ", \"stream\": true}")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            StringBuilder text = new StringBuilder();
            chunks = 0;
            first[r] = Double.NaN;
            for (Iterator<String> it = s.body().iterator(); it.hasNext();) {
                String line = it.next();
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                String piece = Json.MAPPER.readTree(line.substring(6)).path("choices").path(0).path("text").asText();
                if (!piece.isEmpty()) {
                    chunks++;
                    if (Double.isNaN(first[r])) {
                        first[r] = (System.nanoTime() - t0) / 1e9;
                    }
                }
                text.append(piece);
            }
            streamed[r] = (System.nanoTime() - t0) / 1e9;
            if (!text.toString().equals(plainText)) {
                throw new IllegalStateException("streamed text differs: '" + text + "' vs '" + plainText + "'");
            }
        }
        double p = median(plain);
        double s = median(streamed);
        double f = median(first);
        System.out.printf(Locale.ROOT, "bench stream: %s, prompt %d tokens, %d new tokens, greedy, %d runs (medians)%n",
                config, promptWords, maxTokens, repeats);
        System.out.printf(Locale.ROOT, "  not streamed: %.2f s, %.1f tokens/s (the first token arrives with the last)%n",
                p, maxTokens / p);
        System.out.printf(Locale.ROOT, "  streamed:     first token after %.2f s, all after %.2f s, %.1f tokens/s,"
                + " %d chunks; the same text%n", f, s, maxTokens / s, chunks);
        return 0;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
