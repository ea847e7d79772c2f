package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.bench.GenerateBench;
import org.pefttrainer.core.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench generate}: greedy generation tokens/s on random weights of a config's shape. T5: with and
 * without the KV cache. Decoder-only: ours against transformers' generate() (tools/reference/bench_generate.py,
 * same batch, lengths, KV cache and allocator setting) when the reference Python is set up.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Tokens/s of batched greedy generation on random weights of a config's shape; every row "
                + "generates exactly --new tokens (EOS ignored).",
                "T5 configs: with and without the key/value cache. Decoder-only configs (llama, mistral, qwen2, gpt2):"
                + " ours, then transformers' generate() in the same setting (tools/reference/bench_generate.py under "
                + "the reference Python, ../shared/reference-python/setup.sh)."})
public final class GenerateBenchCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "../shared/models/t5-small/config.json") Path config;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--source", defaultValue = "512", description = "Prompt (source) tokens per row.") int source;
    @Option(names = "--new", defaultValue = "64") int newTokens;
    @Option(names = "--repeats", defaultValue = "3") int repeats;
    @Option(names = "--reference-site", defaultValue = "/tmp/reference-python/site",
            description = "PYTHONPATH of the reference stack; 'none' skips it (default: ${DEFAULT-VALUE}).")
    String referenceSite;
    @Option(names = "--python", defaultValue = "/usr/bin/python3") String python;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(config)) {
            throw new UserException(config + ": model config not found");
        }
        if (Json.read(config).path("model_type").asText("").equals("t5")) {
            GenerateBench.main(List.of("--config=" + config, "--batch=" + batch, "--source=" + source,
                    "--new=" + newTokens, "--repeats=" + repeats).toArray(String[]::new));
            return 0;
        }
        Path script = Path.of(System.getProperty("peft.home", ".")).resolve("tools/reference/bench_generate.py");
        boolean reference = !referenceSite.equals("none") && Files.isDirectory(Path.of(referenceSite))
                && Files.isRegularFile(script);
        System.err.println("peft-trainer ...");
        JsonNode ours = CausalGenerateBench.run(config, batch, source, newTokens, repeats);
        System.out.println(Json.compact(ours));
        JsonNode ref = null;
        if (reference) {
            System.err.println("transformers generate() ...");
            int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
            // the same allocator setting as ours: the environment ./peft set up is inherited
            ref = TrainStepBenchCommand.run(List.of(python, script.toString(), "--config", config.toString(),
                    "--batch", "" + batch, "--source", "" + source, "--new", "" + newTokens, "--repeats",
                    "" + repeats, "--threads", "" + threads), Map.of("PYTHONPATH", referenceSite));
            System.out.println(Json.compact(ref));
        } else if (!referenceSite.equals("none")) {
            System.err.println("reference Python not found at " + referenceSite
                    + " (run ../shared/reference-python/setup.sh): measuring peft-trainer only");
        }
        System.out.printf(Locale.ROOT, "%n%s (%s), greedy, batch %d, %d prompt + %d new tokens, KV cache, median of %d%n",
                config, ours.get("architecture").asText(), batch, source, newTokens, repeats);
        System.out.printf(Locale.ROOT, "%-14s %12s %12s %14s %16s %14s%n", "", "prompt s", "generate s", "new tok/s",
                "decode tok/s", "peak RSS MiB");
        for (JsonNode r : ref == null ? List.of(ours) : List.of(ours, ref)) {
            System.out.printf(Locale.ROOT, "%-14s %12.3f %12.3f %14.1f %16s %14.0f%n", r.get("impl").asText(),
                    r.get("prompt_pass_s").asDouble(), r.get("generate_s").asDouble(), r.get("tokens_per_s").asDouble(),
                    r.path("decode_tokens_per_s").isNumber()
                            ? String.format(Locale.ROOT, "%.1f", r.get("decode_tokens_per_s").asDouble()) : "-",
                    r.get("peak_rss_mib").asDouble());
        }
        if (ref != null) {
            System.out.printf(Locale.ROOT, "ratio (ours / transformers): %.2fx new tokens/s%n",
                    ours.get("tokens_per_s").asDouble() / ref.get("tokens_per_s").asDouble());
        }
        return 0;
    }
}
