package org.pefttrainer.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.recipes.ModelSession;
import org.pefttrainer.serve.InferenceServer;
import org.pefttrainer.bench.ServeLoad;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench serve-load}: starts {@code peft serve} in-process on loopback over a tiny random model with
 * three LoRA adapters and runs {@link ServeLoad} against it: concurrent requests, adapter loads and unloads, bad
 * input, an oversized body and slow clients; prints statuses, p50/p99 latency and every broken rule.
 */
@Command(name = "serve-load", mixinStandardHelpOptions = true,
        description = {"Load and fault test of the HTTP server on 127.0.0.1 (never another address): --requests"
                + " concurrent generate requests over 3 LoRA adapters while a 4th is loaded and unloaded, with"
                + " malformed JSON, unknown adapters, negative and huge max_new_tokens, a 50 MB body, slow clients,"
                + " streamed /v1/chat/completions (each must add up to the same request unstreamed) and OpenAI"
                + " requests for an unknown model. Every answer must be right or a 4xx with a JSON error (OpenAI's"
                + " shape on /v1). Exit 1 when one is not.",
            "Example: peft bench serve-load --requests 1000 --slow-clients 20"})
public final class ServeLoadBenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--requests", defaultValue = "1000", description = "Requests sent at once (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--slow-clients", defaultValue = "20", description = "Connections that stall mid-request (default: ${DEFAULT-VALUE}).")
    int slowClients;

    @Option(names = "--max-queue", defaultValue = "256", description = "serve.max_queue (default: ${DEFAULT-VALUE}, the server's default).")
    int maxQueue;

    @Option(names = "--max-batch-size", defaultValue = "8", description = "serve.max_batch_size (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the request mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-oversized", description = "Skip the 50 MB body.")
    boolean noOversized;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = BenchAdapters.tempDir("peft-bench-serve");
        try {
            ServeLoad.Report r = run(work, requests, slowClients, maxQueue, maxBatch, seed, !noOversized, out);
            out.println("bench serve-load: " + r.summary());
            r.violations().stream().limit(20).forEach(v -> out.println("  violation: " + v));
            out.flush();
            return r.violations().isEmpty() && r.healthyAfter() ? 0 : 1;
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    /** Builds the model and adapters in {@code work}, serves them on 127.0.0.1, runs the plan, stops the server. */
    public static ServeLoad.Report run(Path work, int requests, int slowClients, int maxQueue, int maxBatch, long seed,
            boolean oversized, PrintWriter out) throws IOException, InterruptedException {
        Path corpus = work.resolve("corpus.txt");
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 160; i++) {
            words.append('w').append(i).append(' ');
        }
        Files.writeString(corpus, words.toString());
        Path model = work.resolve("model");
        ModelInitializer.initialize(model, "t5", "tiny", ModelInitializer.TokenizerSource.build(List.of(corpus), 200),
                3, DType.F32, 0, true);
        // a chat template, so that /v1/chat/completions has one to render (ChatML, as SmolLM2 and Qwen2.5 use)
        com.fasterxml.jackson.databind.node.ObjectNode tc = (com.fasterxml.jackson.databind.node.ObjectNode)
                org.pefttrainer.core.io.Json.read(model.resolve("tokenizer_config.json"));
        tc.put("chat_template", "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
                + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
                + "{{ '<|im_start|>assistant\\n' }}{% endif %}");
        org.pefttrainer.core.io.Json.write(model.resolve("tokenizer_config.json"), tc);
        TrainerConfig cfg = ConfigLoader.loadSchemaDefaults(List.of("device=cpu")).settings();
        try (InferenceEngine engine = new InferenceEngine(ModelSession.open(cfg.model(), cfg.device(), model), 512)) {
            ModelLayout layout = ModelLayout.of(engine.session().model());
            List<String> names = List.of("a", "b", "c");
            for (int i = 0; i < names.size(); i++) {
                engine.load(names.get(i), BenchAdapters.lora(work.resolve(names.get(i)), layout, 2 + 2 * i,
                        List.of("q", "v"), 100 + i));
            }
            Path churn = BenchAdapters.lora(work.resolve("d"), layout, 4, List.of("all-linear"), 200);
            InferenceServer.Settings settings = new InferenceServer.Settings("127.0.0.1", 0, maxBatch, 5, 1 << 20,
                    64, maxQueue, 120_000, true, null);
            GenerationConfig defaults = GenerationConfig.builder().maxNewTokens(4).build();
            try (InferenceServer server = new InferenceServer(engine, GenerationSettings.of(defaults, 4), settings)) {
                server.start();
                URI base = URI.create("http://127.0.0.1:" + server.port());
                out.printf(Locale.ROOT, "bench serve-load: %s, adapters %s (+ d loaded and unloaded), %d requests at"
                        + " once, %d slow clients, max_batch_size %d, max_queue %d%n", base, names, requests,
                        slowClients, maxBatch, maxQueue);
                out.flush();
                ServeLoad.Plan plan = new ServeLoad.Plan(requests, slowClients, new ArrayList<>(names), "d", churn,
                        seed, oversized, Duration.ofSeconds(120));
                return new ServeLoad(base).run(plan);
            }
        }
    }
}
