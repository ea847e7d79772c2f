package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pefttrainer.core.config.ConfigTestFiles.CONFIGS;
import static org.pefttrainer.core.config.ConfigTestFiles.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every config in configs/ loads and validates, and says what its comments say. */
class ShippedConfigsTest {

    static Stream<Path> shippedConfigs() throws IOException {
        try (Stream<Path> files = Files.list(CONFIGS)) {
            List<Path> confs = files.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
            return confs.stream();
        }
    }

    @Test
    void theIssuesConfigsAreAllThere() throws IOException {
        List<String> names = shippedConfigs().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("base.conf", "default.conf", "lora-dialogsum.conf", "lora-samsum.conf",
                "prompt-tuning-dialogsum.conf", "full-dialogsum.conf", "eval-zero-shot-dialogsum.conf")),
                names.toString());
    }

    @Test
    void theComparisonConfigsDescribeTheirRows() {
        TrainerConfig zero = load(CONFIGS.resolve("eval-zero-shot-dialogsum.conf")).settings();
        assertEquals(PeftConfig.Method.NONE, zero.peft().method());
        assertEquals("test", zero.data().split());
        assertEquals(inConfigs("../../shared/data/dialogsum"), zero.data().path());
        TrainerConfig full = load(CONFIGS.resolve("full-dialogsum.conf")).settings();
        assertEquals(PeftConfig.Method.FULL, full.peft().method());
        assertEquals(inConfigs("../models/flan-t5-base"), full.model().path());
        // every shipped run config scores ROUGE, BLEU and exact match and the validation loss after each epoch
        for (TrainerConfig c : List.of(zero, full, load(CONFIGS.resolve("lora-dialogsum.conf")).settings())) {
            assertEquals(List.of("rouge", "bleu", "exact_match"), c.eval().metrics());
            assertTrue(c.eval().validationLoss());
        }
    }

    @ParameterizedTest
    @MethodSource("shippedConfigs")
    void loadsAndValidates(Path config) {
        LoadedConfig loaded = load(config);
        String stem = config.getFileName().toString().replace(".conf", "");
        assertEquals(stem + "-20250304-050607", loaded.settings().run().name());
    }

    @ParameterizedTest
    @MethodSource("shippedConfigs")
    void includesBaseConf(Path config) throws IOException {
        if (!config.getFileName().toString().equals("base.conf")) {
            assertTrue(Files.readString(config).contains("include \"base.conf\""), config.toString());
        }
    }

    @Test
    void baseConfIsTheDefaultsOfTheIssue() {
        TrainerConfig s = load(CONFIGS.resolve("base.conf")).settings();
        assertEquals(inConfigs("data/generated/tiny-t5"), s.model().path());
        assertFalse(s.model().initIfMissing());
        assertTrue(s.model().dropout().isEmpty());
        assertTrue(s.adapter().isEmpty());
        assertEquals(PeftConfig.Method.LORA, s.peft().method());
        // peft.lora as trainer-peft reads it (r 8, alpha 16, default targets, init true): PeftSettingsTest
        assertEquals(3e-4, s.optim().lr());
        assertEquals(0.9, s.optim().beta1());
        assertEquals(0.999, s.optim().beta2());
        assertEquals(1e-8, s.optim().eps());
        assertEquals(3, s.train().epochs().getAsInt());
        assertTrue(s.train().maxSteps().isEmpty());
        assertEquals("test", s.data().split());
        assertEquals("Summarize the following conversation.\n\n{dialogue}\n\nSummary: ", s.data().promptTemplate());
        assertEquals(EvalConfig.Metric.ROUGE_LSUM, s.eval().metric());
        assertEquals(0.95, s.eval().bootstrap().confidence());
        // Decoding keys are unset: the model folder's generation_config.json decides.
        assertTrue(!s.generation().containsKey(org.pefttrainer.core.generate.GenerationKey.STRATEGY));
        assertTrue(!s.generation().containsKey(org.pefttrainer.core.generate.GenerationKey.MAX_NEW_TOKENS));
        assertEquals(0L, s.generation().get(org.pefttrainer.core.generate.GenerationKey.SEED));
        assertEquals(8080, s.serve().port());
        assertEquals(inConfigs("checkpoints/base-20250304-050607"), s.run().runDir());
    }

    @Test
    void derivedValues() {
        // LoRA's scaling (alpha / r, alpha / sqrt(r) with rsLoRA) from these keys: PeftSettingsTest.
        // Warmup: explicit steps win; a ratio is rounded up (0.06 x 1000 = 60, 0.1 x 15 = 1.5 -> 2).
        assertEquals(60, new ScheduleConfig(ScheduleConfig.Kind.LINEAR, 0, 0.06, 0).warmupStepsFor(1000));
        assertEquals(2, new ScheduleConfig(ScheduleConfig.Kind.LINEAR, 0, 0.1, 0).warmupStepsFor(15));
        assertEquals(7, new ScheduleConfig(ScheduleConfig.Kind.LINEAR, 7, 0, 0).warmupStepsFor(15));
    }

    @Test
    void defaultConfBuildsTheTinyModelAndReadsTheProjectsDialogues() {
        TrainerConfig s = load(CONFIGS.resolve("default.conf")).settings();
        assertTrue(s.model().initIfMissing());
        // default.conf's paths are relative to configs/: they name the project's data/ folder.
        assertEquals(inConfigs("../data/generated/tiny-t5"), s.model().path());
        assertEquals("t5", s.model().init().arch());
        assertEquals("tiny", s.model().init().size());
        assertEquals(inConfigs("../data/dialogues/train.jsonl"), s.model().init().tokenizerCorpus());
        assertEquals(inConfigs("../data/dialogues"), s.data().path());
        assertEquals(inConfigs("../checkpoints"), s.run().outputDir());
        assertEquals(DataConfig.Format.DIALOGSUM, s.data().format());
        assertEquals(PeftConfig.Method.LORA, s.peft().method());
    }

    @Test
    void datasetConfigsPointAtShared() {
        TrainerConfig dialogsum = load(CONFIGS.resolve("lora-dialogsum.conf")).settings();
        assertEquals(inConfigs("../../shared/data/dialogsum"), dialogsum.data().path());
        assertEquals(inConfigs("../checkpoints"), dialogsum.run().outputDir());
        assertEquals(List.of("q", "v"), dialogsum.peft().lora().getStringList("target_modules"));
        TrainerConfig samsum = load(CONFIGS.resolve("lora-samsum.conf")).settings();
        assertEquals(inConfigs("../../shared/data/samsum/hf_save_to_disk"), samsum.data().path());
        assertEquals(DataConfig.Format.SAMSUM, samsum.data().format());
        TrainerConfig prompt = load(CONFIGS.resolve("prompt-tuning-dialogsum.conf")).settings();
        assertEquals(PeftConfig.Method.PROMPT_TUNING, prompt.peft().method());
        assertEquals("TEXT", prompt.peft().promptTuning().getString("init"));
        assertTrue(!prompt.peft().promptTuning().getIsNull("init_text"));
    }

    @Test
    void everyBaseKeyHasACommentOnItsLine() throws IOException {
        List<String> lines = Files.readAllLines(CONFIGS.resolve("base.conf"));
        LoadedConfig base = load(CONFIGS.resolve("base.conf"));
        for (String key : ConfigSchema.get().leaves().keySet()) {
            int line = Values.at(ConfigSchema.get().defaults().root(), key).origin().lineNumber();
            String text = lines.get(line - 1);
            assertTrue(text.matches(".*\\S.*#\\s*\\S.*"), key + " has no comment on its line: " + text);
        }
        assertFalse(base.rendered().contains("#"), "rendered config has comments");
    }

    @Test
    void theJarsBaseConfIsConfigsBaseConf() throws IOException {
        try (var in = getClass().getClassLoader().getResourceAsStream(ConfigSchema.BASE_RESOURCE)) {
            assertEquals(Files.readString(CONFIGS.resolve("base.conf")), new String(in.readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** A path of the repository's configs/ folder, absolute, as the loader resolves a path written there. */
    private static Path inConfigs(String relative) {
        return CONFIGS.toAbsolutePath().normalize().resolve(relative).normalize();
    }
}
