package org.pefttrainer.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.PromptTuningInit;

/**
 * The config file's {@code peft} section read into PEFT's config types, the one type per method: the values the
 * shipped configs and overrides give (these assertions lived in trainer-core's config tests while the config had
 * its own LoRA and prompt-tuning records).
 */
class PeftSettingsTest {
    static final Path CONFIGS = Path.of("..", "configs");
    @TempDir Path dir;

    private static TrainerConfig load(Path file, String... overrides) {
        return ConfigLoader.load(file, List.of(overrides)).settings();
    }

    private static LoraConfig lora(TrainerConfig s) {
        return LoraConfig.fromSettings(s.peft().lora(), "base");
    }

    @Test
    void baseConfIsTheDefaultsOfTheIssue() {
        LoraConfig l = lora(load(CONFIGS.resolve("base.conf")));
        assertEquals(8, l.r());
        assertEquals(16, l.loraAlpha());
        assertEquals(2.0, l.scaling()); // 16 / 8
        assertNull(l.targetModules(), "the architecture's PEFT default");
        assertEquals(LoraInit.DEFAULT, l.initLoraWeights());
    }

    @Test
    void derivedValues() {
        // alpha / sqrt(r) with rsLoRA: 16 / sqrt(4) = 8; plain: 16 / 4 = 4.
        assertEquals(8.0, lora(load(CONFIGS.resolve("base.conf"), "peft.lora.r=4", "peft.lora.use_rslora=true"))
                .scaling());
        assertEquals(4.0, lora(load(CONFIGS.resolve("base.conf"), "peft.lora.r=4")).scaling());
    }

    @Test
    void shippedDatasetConfigs() {
        assertEquals(TargetModules.names(List.of("q", "v")),
                lora(load(CONFIGS.resolve("lora-dialogsum.conf"))).targetModules());
        PromptTuningConfig p = PromptTuningConfig.fromSettings(load(CONFIGS.resolve("prompt-tuning-dialogsum.conf"))
                .peft().promptTuning(), "base");
        assertEquals(PromptTuningInit.TEXT, p.promptTuningInit());
        assertTrue(p.promptTuningInitText() != null && !p.promptTuningInitText().isEmpty());
    }

    @Test
    void overridesAndCaseInsensitiveValues() throws Exception {
        Path f = Files.writeString(dir.resolve("my.conf"), "peft.prompt_tuning.init = sample_vocab\n");
        assertEquals(PromptTuningInit.SAMPLE_VOCAB, PromptTuningConfig.fromSettings(load(f).peft().promptTuning(),
                "base").promptTuningInit());
        assertEquals(LoraInit.GAUSSIAN, lora(load(f, "peft.lora.init=gaussian")).initLoraWeights());
        assertEquals(LoraInit.NONE, lora(load(f, "peft.lora.init=false")).initLoraWeights());
        assertEquals(TargetModules.names(List.of("q", "v", "o")),
                lora(load(f, "peft.lora.target_modules=[q,v,o]")).targetModules());
        assertEquals(TargetModules.allLinear(), lora(load(f, "peft.lora.target_modules=all-linear")).targetModules());
    }
}
