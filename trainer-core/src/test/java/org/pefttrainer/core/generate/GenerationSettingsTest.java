package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.hf.HfModelFolder;

/** Decoding settings in transformers' layers: defaults, generation_config.json, the config's set keys, flags. */
class GenerationSettingsTest {
    @TempDir Path dir;

    private HfModelFolder folder(String generationConfig) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\"}");
        if (generationConfig != null) {
            Files.writeString(dir.resolve("generation_config.json"), generationConfig);
        }
        return HfModelFolder.open(dir);
    }

    private static Map<GenerationKey, Object> config(String... overrides) {
        return ConfigLoader.loadSchemaDefaults(List.of(overrides)).settings().generation();
    }

    @Test
    void nothingSetIsTransformersDefaults() throws IOException {
        GenerationSettings d = GenerationSettings.of(config(), folder(null));
        // transformers' GenerationConfig(): greedy, max_length 20 (19 new tokens after T5's decoder start), top_k 50
        assertEquals(GenerationConfig.builder().build(), d.settings());
        assertEquals(GenerationConfig.Strategy.GREEDY, d.settings().strategy());
        assertEquals(19, d.settings().maxNewTokens());
        assertEquals(50, d.settings().topK());
        assertEquals("decoding: greedy; transformers' defaults otherwise", d.describe());
    }

    @Test
    void theFolderDecidesWhatTheConfigLeavesUnset() throws IOException {
        GenerationSettings d = GenerationSettings.of(config("generation.max_new_tokens=10"), folder(
                "{\"num_beams\": 4, \"max_length\": 30, \"no_repeat_ngram_size\": 3, \"early_stopping\": true}"));
        GenerationConfig s = d.settings();
        assertEquals(GenerationConfig.Strategy.BEAM, s.strategy());
        assertEquals(4, s.numBeams());
        assertEquals(10, s.maxNewTokens(), "the config's key wins over max_length");
        assertEquals(3, s.noRepeatNgramSize());
        assertEquals(GenerationConfig.EarlyStopping.AT_NUM_BEAMS, s.earlyStopping());
        assertEquals(Map.of("num_beams", "generation_config.json", "no_repeat_ngram_size", "generation_config.json",
                "early_stopping", "generation_config.json", "max_new_tokens", "config", "strategy",
                "generation_config.json"), Map.copyOf(d.sources()));
        assertEquals("decoding: beam (generation_config.json); max_new_tokens=10 (config), num_beams=4"
                + " (generation_config.json), no_repeat_ngram_size=3 (generation_config.json), early_stopping=true"
                + " (generation_config.json)", d.describe());
    }

    @Test
    void aConfigStrategyOverridesTheFoldersBeams() throws IOException {
        HfModelFolder f = folder("{\"num_beams\": 4}");
        GenerationConfig greedy = GenerationSettings.of(config("generation.strategy=greedy"), f).settings();
        assertEquals(GenerationConfig.Strategy.GREEDY, greedy.strategy());
        assertEquals(1, greedy.numBeams());
        GenerationConfig beam = GenerationSettings.of(config("generation.num_beams=2"), f).settings();
        assertEquals(GenerationConfig.Strategy.BEAM, beam.strategy());
        assertEquals(2, beam.numBeams());
        GenerationConfig one = GenerationSettings.of(config("generation.num_beams=1"), f).settings();
        assertEquals(GenerationConfig.Strategy.GREEDY, one.strategy());
        // beam without a count anywhere: 4 beams
        GenerationConfig asked = GenerationSettings.of(config("generation.strategy=beam"), folder("{}")).settings();
        assertEquals(GenerationSettings.DEFAULT_BEAMS, asked.numBeams());
    }

    @Test
    void flagsComeLastAndAreNamedAsTheSource() throws IOException {
        // A flag (--max-new-tokens 7) arrives as its config key, and is named as a flag.
        GenerationSettings flagged = GenerationSettings.of(config("generation.max_new_tokens=7"),
                folder("{\"max_new_tokens\": 40}")).fromFlags(List.of("max_new_tokens"));
        assertEquals(7, flagged.settings().maxNewTokens());
        assertEquals("flag", flagged.sources().get("max_new_tokens"));
        assertEquals("decoding: greedy; max_new_tokens=7 (flag)", flagged.describe());
    }
}
