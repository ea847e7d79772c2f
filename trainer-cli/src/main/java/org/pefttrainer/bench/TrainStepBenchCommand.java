package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code peft bench train-step}: the same training-step configuration with peft-trainer and with transformers + PEFT
 * (the reference Python), one after the other, each mode in its own process; prints tokens/s, the ratio and peak RSS.
 */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = {"Tokens/s of one training-step configuration (random weights of CONFIG's shape, batch x (src + tgt)"
                + " real tokens, fp32, AdamW) with peft-trainer and with transformers + PEFT, in the same run.",
            "LoRA: r=8, alpha 32, dropout 0.05 on q,v; dora: the same with use_dora; full: every weight trains. Reference: "
                    + "tools/reference/bench_train_step.py under ../shared/reference-python (set it up with its setup.sh)."})
public final class TrainStepBenchCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "../shared/models/t5-small/config.json", description = "Model shape (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--mode", defaultValue = "lora,full", split = ",", description = "lora, dora, full, or several (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--src", defaultValue = "512") int src;
    @Option(names = "--tgt", defaultValue = "64") int tgt;
    @Option(names = "--warmup", defaultValue = "1", description = "Untimed steps first (default: ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--steps", defaultValue = "3", description = "Timed steps (default: ${DEFAULT-VALUE}).") int steps;

    @Option(names = "--reference-site", defaultValue = "/tmp/reference-python/site",
            description = "PYTHONPATH of the reference stack; 'none' skips it (default: ${DEFAULT-VALUE}).")
    String referenceSite;

    @Option(names = "--python", defaultValue = "/usr/bin/python3") String python;

    @Option(names = "--threads", defaultValue = "0", description = "torch threads for both sides; 0 = all cores.") int threads;

    @Option(names = "--labels", defaultValue = "target", description = "Decoder-only configs: labels on the tgt"
            + " tokens only, the src part -100 as training masks the prompt (target), or on every next token (all)"
            + " (default: ${DEFAULT-VALUE}).")
    String labels;

    @Option(names = "--gradient-checkpointing", arity = "0..1", fallbackValue = "on", defaultValue = "off",
            description = "train.gradient_checkpointing on both sides (transformers: gradient_checkpointing_enable):"
                    + " off, on (the flag alone), or both, which runs each side without and with it and prints the"
                    + " peak and step-time ratios (default: ${DEFAULT-VALUE}).")
    String gradientCheckpointing;

    @Option(names = "--reference-hugetlb",
            description = "Also run the reference with glibc.malloc.hugetlb=1, the allocator setting ./peft uses.")
    boolean referenceHugetlb;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(config)) {
            throw new UserException(config + ": model config not found");
        }
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Path home = Path.of(System.getProperty("peft.home", "."));
        Path script = home.resolve("tools/reference/bench_train_step.py");
        boolean reference = !referenceSite.equals("none") && Files.isDirectory(Path.of(referenceSite)) && Files.isRegularFile(script);
        if (!reference && !referenceSite.equals("none")) {
            System.err.println("reference Python not found at " + referenceSite + " (run ../shared/reference-python/setup.sh):"
                    + " measuring peft-trainer only");
        }
        if (!labels.equals("target") && !labels.equals("all")) {
            throw new UserException("--labels " + labels + " is not valid (target or all)");
        }
        List<Boolean> checkpointing = switch (gradientCheckpointing) {
            case "off" -> List.of(false);
            case "on" -> List.of(true);
            case "both" -> List.of(false, true);
            default -> throw new UserException("--gradient-checkpointing " + gradientCheckpointing
                    + " is not valid (off, on or both)");
        };
        for (String mode : modes) {
            if (!List.of("lora", "dora", "full").contains(mode)) {
                throw new UserException("--mode " + mode + " is not valid (lora, dora or full)");
            }
        }
        Map<String, JsonNode[]> results = new LinkedHashMap<>();
        for (String mode : modes) {
            for (boolean gc : checkpointing) {
                String row = gc ? mode + "+gc" : mode;
                results.put(row, runMode(mode, gc, t, script, reference));
            }
        }
        printTable(t, results);
        if (checkpointing.size() == 2) {
            printCheckpointingRatios(results);
        }
        return 0;
    }

    /** One mode (with or without gradient checkpointing): ours, the reference, the reference with hugetlb. */
    private JsonNode[] runMode(String mode, boolean gc, int t, Path script, boolean reference) throws Exception {
        String row = gc ? mode + " with gradient checkpointing" : mode;
        System.err.printf("%s: peft-trainer ...%n", row);
        JsonNode ours = run(javaCommand(mode, t, gc), Map.of());
        System.out.println(Json.compact(ours));
        JsonNode ref = null;
        JsonNode refHuge = null;
        if (reference) {
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--config", config.toString(),
                    "--batch", "" + batch, "--src", "" + src, "--tgt", "" + tgt, "--mode", mode, "--steps",
                    "" + steps, "--warmup", "" + warmup, "--threads", "" + t, "--labels", labels));
            if (gc) {
                cmd.add("--gradient-checkpointing");
            }
            // The reference runs as a user would run it: without the allocator and OpenMP settings ./peft adds.
            String userTunables = System.getenv().getOrDefault("PEFT_USER_GLIBC_TUNABLES", "");
            String userOmp = System.getenv().getOrDefault("PEFT_USER_OMP_WAIT_POLICY", "");
            System.err.printf("%s: transformers + PEFT ...%n", row);
            ref = run(cmd, Map.of("PYTHONPATH", referenceSite, "GLIBC_TUNABLES", userTunables, "OMP_WAIT_POLICY",
                    userOmp));
            System.out.println(Json.compact(ref));
            if (referenceHugetlb) {
                System.err.printf("%s: transformers + PEFT with glibc.malloc.hugetlb=1 ...%n", row);
                refHuge = run(cmd, Map.of("PYTHONPATH", referenceSite, "GLIBC_TUNABLES",
                        (userTunables.isEmpty() ? "" : userTunables + ":") + "glibc.malloc.hugetlb=1",
                        "OMP_WAIT_POLICY", userOmp));
                System.out.println(Json.compact(refHuge));
            }
        }
        return new JsonNode[] {ours, ref, refHuge};
    }

    private void printTable(int t, Map<String, JsonNode[]> results) {
        System.out.printf(Locale.ROOT, "%n%s, batch %d x (%d + %d) tokens, %d timed steps after %d warm-up, %d threads"
                + "%s%n", config, batch, src, tgt, steps, warmup, t, Json.read(config).path("model_type").asText("")
                .equals("t5") ? "" : ", labels " + labels);
        System.out.printf(Locale.ROOT, "%-8s %14s %14s %7s %14s %14s %14s %18s %14s%n", "mode", "ours tok/s", "ref tok/s",
                "ratio", "ours s/step", "ours peak MiB", "ref peak MiB", "ref+hugetlb tok/s", "ours matmul s");
        for (var e : results.entrySet()) {
            JsonNode o = e.getValue()[0];
            JsonNode r = e.getValue()[1];
            System.out.printf(Locale.ROOT, "%-8s %14.1f %14s %7s %14.2f %14.0f %14s %18s %14s%n", e.getKey(),
                    o.get("tokens_per_s").asDouble(), r == null ? "-" : String.format(Locale.ROOT, "%.1f", r.get("tokens_per_s").asDouble()),
                    r == null ? "-" : String.format(Locale.ROOT, "%.2fx", o.get("tokens_per_s").asDouble() / r.get("tokens_per_s").asDouble()),
                    o.get("seconds_per_step").asDouble(), o.get("peak_rss_mib").asDouble(),
                    r == null ? "-" : String.format(Locale.ROOT, "%.0f", r.get("peak_rss_mib").asDouble()),
                    e.getValue()[2] == null ? "-" : String.format(Locale.ROOT, "%.1f", e.getValue()[2].get("tokens_per_s").asDouble()),
                    o.has("matmul_s_per_step") ? String.format(Locale.ROOT, "%.2f (%.0f%%)", o.get("matmul_s_per_step")
                            .asDouble(), 100 * o.get("matmul_share").asDouble()) : "-");
        }
        System.out.printf(Locale.ROOT, "%nmemory breakdown, MiB (runtime = resident before the model loads; weights = the fp32 base;"
                + " adapter + optimizer = trainable values, gradients, AdamW moments; activations peak = peak - resident"
                + " before the first step - the gradients and moments it adds)%n");
        System.out.printf(Locale.ROOT, "%-8s %8s %8s %12s %10s %8s %8s %12s %10s%n", "mode", "ours rt", "ours wts",
                "ours adp+opt", "ours activ", "ref rt", "ref wts", "ref adp+opt", "ref activ");
        for (var e : results.entrySet()) {
            JsonNode o = e.getValue()[0];
            JsonNode r = e.getValue()[1];
            System.out.printf(Locale.ROOT, "%-8s %8s %8s %12s %10s %8s %8s %12s %10s%n", e.getKey(),
                    mib(o, "runtime_mib"), mib(o, "weights_mib"), mib(o, "adapter_optimizer_mib"),
                    mib(o, "activations_peak_mib"), mib(r, "runtime_mib"), mib(r, "weights_mib"),
                    mib(r, "adapter_optimizer_mib"), mib(r, "activations_peak_mib"));
        }
    }

    private static String mib(JsonNode r, String key) {
        return r == null || !r.has(key) ? "-" : String.format(Locale.ROOT, "%.0f", r.get(key).asDouble());
    }

    /** With gradient checkpointing against without, per mode and side: the 40% peak / 1.4x time targets. */
    private static void printCheckpointingRatios(Map<String, JsonNode[]> results) {
        System.out.printf(Locale.ROOT, "%ngradient checkpointing vs without (peak RSS ratio, step-time ratio); ours / reference"
                + " with it on (tokens/s, peak)%n");
        for (var e : results.entrySet()) {
            if (!e.getKey().endsWith("+gc")) {
                continue;
            }
            JsonNode[] on = e.getValue();
            JsonNode[] off = results.get(e.getKey().substring(0, e.getKey().length() - 3));
            StringBuilder line = new StringBuilder(e.getKey().replace("+gc", "") + ":");
            String[] sides = {"ours", "reference"};
            for (int i = 0; i < 2; i++) {
                if (on[i] == null || off[i] == null) {
                    continue;
                }
                line.append(String.format(Locale.ROOT, " %s peak %.0f%% of %.0f MiB, step %.2fx of %.2f s;", sides[i],
                        100 * on[i].get("peak_rss_mib").asDouble() / off[i].get("peak_rss_mib").asDouble(),
                        off[i].get("peak_rss_mib").asDouble(), on[i].get("seconds_per_step").asDouble()
                                / off[i].get("seconds_per_step").asDouble(), off[i].get("seconds_per_step").asDouble()));
            }
            if (on[1] != null) {
                line.append(String.format(Locale.ROOT, " ours/reference tokens/s %.2fx, peak %.2fx",
                        on[0].get("tokens_per_s").asDouble() / on[1].get("tokens_per_s").asDouble(),
                        on[0].get("peak_rss_mib").asDouble() / on[1].get("peak_rss_mib").asDouble()));
            }
            System.out.println(line);
        }
    }

    private List<String> javaCommand(String mode, int t, boolean gc) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=" + t);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-Dlogback.configurationFile=logback-quiet.xml");
        cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainStepBench.class.getName());
        cmd.addAll(List.of(config.toString(), mode, "" + batch, "" + src, "" + tgt, "" + warmup, "" + steps, labels,
                "" + gc));
        return cmd;
    }

    static JsonNode run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k); // unset, as the user had it
            }
        });
        Process p = pb.start();
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    last = line;
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || last == null) {
            throw new UserException("benchmark process failed (exit " + rc + "): " + String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + " ...");
        }
        return Json.MAPPER.readTree(last);
    }
}
