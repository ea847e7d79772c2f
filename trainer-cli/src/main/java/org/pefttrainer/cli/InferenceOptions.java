package org.pefttrainer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationKey;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.recipes.ModelSession;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code generate} and {@code serve} share: the config (file and overrides, for the generation defaults, the
 * device and serve.*), the base model folder, the adapters to load by name, and decoding flags.
 */
final class InferenceOptions {
    @Parameters(arity = "0..*", paramLabel = "[CONFIG] [key=value...]",
            description = "Config file, then overrides (e.g. generation.num_beams=4); the embedded default when absent.")
    List<String> configArgs = new ArrayList<>();

    @Option(names = "--model", paramLabel = "DIR", description = "Base model folder (default: the config's model.path).")
    Path model;

    @Option(names = "--adapter", paramLabel = "NAME=DIR",
            description = "Load an adapter folder (LoRA or prompt tuning, PEFT format) under NAME; repeat for several.")
    List<String> adapters = new ArrayList<>();

    @Option(names = "--strategy", paramLabel = "greedy|beam|sample", description = "Decoding strategy.")
    String strategy;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens generated at most.")
    Integer maxNewTokens;

    @Option(names = "--num-beams", paramLabel = "N", description = "Beams (beam search).")
    Integer numBeams;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sampling: keep the K most likely tokens (0: off).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sampling: nucleus mass (1: off).")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed.")
    Long seed;

    /**
     * The config file and overrides. Without a file, base.conf alone (not the embedded training default): decoding
     * then follows the model folder's generation_config.json, as transformers' generate() does.
     */
    LoadedConfig config() {
        ConfigArguments args = ConfigArguments.split(configArgs);
        List<String> overrides = new ArrayList<>(args.overrides());
        flags().forEach((key, value) -> overrides.add("generation." + key.key() + "=" + value));
        return args.config().isPresent() ? new ConfigArguments(args.config(), overrides).load()
                : org.pefttrainer.core.config.ConfigLoader.loadSchemaDefaults(overrides);
    }

    /**
     * The decoding flags as the generation keys they stand for: layered with the config's keys before any check,
     * so {@code --strategy beam} with {@code generation.num_return_sequences=2} is one valid setting, as it is in a
     * config file.
     */
    private Map<GenerationKey, Object> flags() {
        Map<GenerationKey, Object> f = new LinkedHashMap<>();
        Object[][] pairs = {{GenerationKey.STRATEGY, strategy}, {GenerationKey.MAX_NEW_TOKENS, maxNewTokens},
            {GenerationKey.NUM_BEAMS, numBeams}, {GenerationKey.TEMPERATURE, temperature}, {GenerationKey.TOP_K, topK},
            {GenerationKey.TOP_P, topP}, {GenerationKey.SEED, seed}};
        for (Object[] p : pairs) {
            if (p[1] != null) {
                f.put((GenerationKey) p[0], p[1]);
            }
        }
        return f;
    }

    /** NAME=DIR pairs in order; the config's serve.adapters come first when {@code withServeAdapters}. */
    Map<String, Path> adapterDirs(TrainerConfig cfg, boolean withServeAdapters) {
        Map<String, Path> out = new LinkedHashMap<>();
        if (withServeAdapters) {
            new java.util.TreeMap<>(cfg.serve().adapters()).forEach(out::put);
        }
        cfg.adapter().ifPresent(p -> out.putIfAbsent(p.toAbsolutePath().normalize().getFileName().toString(), p));
        java.util.Set<String> flagged = new java.util.HashSet<>();
        for (String a : adapters) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new UserException("--adapter " + a + ": expected NAME=DIR, e.g. --adapter sql=checkpoints/sql/adapter");
            }
            String name = a.substring(0, eq);
            if (!flagged.add(name)) {
                throw new UserException("--adapter " + name + " is given twice");
            }
            // A flag replaces a config entry of the same name.
            out.put(name, Path.of(a.substring(eq + 1)));
        }
        return out;
    }

    /** Opens the model and tokenizer and loads the adapters. */
    InferenceEngine open(TrainerConfig cfg, boolean withServeAdapters) {
        ModelSession session = ModelSession.open(cfg.model(), cfg.device(), model);
        InferenceEngine engine = new InferenceEngine(session, cfg.data().maxSourceLength());
        try {
            adapterDirs(cfg, withServeAdapters).forEach(engine::load);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /**
     * The model's generation_config.json, then the config's set generation keys, then the decoding flags; the
     * sources of the non-default settings go to stderr.
     */
    GenerationSettings decoding(TrainerConfig cfg, InferenceEngine engine, java.io.PrintWriter log) {
        GenerationSettings resolved = GenerationSettings.of(cfg.generation(), engine.session().folder())
                .fromFlags(flags().keySet().stream().map(GenerationKey::key).toList());
        log.println(resolved.describe());
        log.flush();
        return resolved;
    }
}
