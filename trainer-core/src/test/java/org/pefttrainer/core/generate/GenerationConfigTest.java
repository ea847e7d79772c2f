package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;
import org.pefttrainer.core.io.hf.HfModelFolder;

class GenerationConfigTest {
    @Test
    void defaultsAreTransformers() {
        GenerationConfig c = GenerationConfig.builder().build();
        assertEquals(Strategy.GREEDY, c.strategy());
        assertEquals(19, c.maxNewTokens()); // max_length 20 includes the decoder start token
        assertEquals(1, c.numBeams());
        assertEquals(1.0, c.lengthPenalty());
        assertEquals(0, c.noRepeatNgramSize());
        assertEquals(EarlyStopping.HEURISTIC, c.earlyStopping());
        assertEquals(1.0, c.temperature());
        assertEquals(50, c.topK());
        assertEquals(1.0, c.topP());
        assertEquals(1, c.numReturnSequences());
        assertTrue(c.useCache());
    }

    @Test
    void readsTheFolderFileAndExplicitSettingsWin() {
        HfModelFolder folder = GenerationFixtures.folder(GenerationFixtures.GATED_UNTIED);
        GenerationConfig c = GenerationConfig.builder(folder).build();
        // generation_config.json: num_beams 3, length_penalty 1.3, no_repeat_ngram_size 3, max_length 11,
        // early_stopping "never", num_return_sequences 2.
        assertEquals(Strategy.BEAM, c.strategy());
        assertEquals(3, c.numBeams());
        assertEquals(1.3, c.lengthPenalty());
        assertEquals(3, c.noRepeatNgramSize());
        assertEquals(10, c.maxNewTokens());
        assertEquals(EarlyStopping.NEVER, c.earlyStopping());
        assertEquals(2, c.numReturnSequences());

        GenerationConfig o = GenerationConfig.builder(folder).maxNewTokens(40).numBeams(5).build();
        assertEquals(40, o.maxNewTokens());
        assertEquals(5, o.numBeams());
        assertEquals(1.3, o.lengthPenalty());
    }

    @Test
    void folderWithoutFileGivesDefaults() {
        // The relu model's file only holds token ids.
        GenerationConfig c = GenerationConfig.builder(GenerationFixtures.folder(GenerationFixtures.RELU_TIED)).build();
        assertEquals(GenerationConfig.builder().build(), c);
    }

    @Test
    void maxNewTokensBeatsMaxLengthAndDoSampleSelectsSampling(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\"}");
        Files.writeString(dir.resolve("generation_config.json"), "{\"max_length\": 50, \"max_new_tokens\": 7,"
                + " \"do_sample\": true, \"top_k\": 0, \"top_p\": 0.9, \"temperature\": 0.7, \"early_stopping\": true}");
        GenerationConfig c = GenerationConfig.builder(HfModelFolder.open(dir)).build();
        assertEquals(Strategy.SAMPLE, c.strategy());
        assertEquals(7, c.maxNewTokens());
        assertEquals(0, c.topK());
        assertEquals(0.9, c.topP());
        assertEquals(0.7, c.temperature());
        assertEquals(EarlyStopping.AT_NUM_BEAMS, c.earlyStopping());
    }

    @Test
    void badFileValuesNameTheKey(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"t5\"}");
        Files.writeString(dir.resolve("generation_config.json"), "{\"num_beams\": \"four\"}");
        UserException e = assertThrows(UserException.class,
                () -> GenerationConfig.builder(HfModelFolder.open(dir)));
        assertTrue(e.getMessage().contains("num_beams"), e.getMessage());
        Files.writeString(dir.resolve("generation_config.json"), "{\"early_stopping\": \"sometimes\"}");
        e = assertThrows(UserException.class, () -> GenerationConfig.builder(HfModelFolder.open(dir)));
        assertTrue(e.getMessage().contains("early_stopping"), e.getMessage());
    }

    @Test
    void rejectsInconsistentSettings() {
        assertThrows(UserException.class, () -> GenerationConfig.builder().numBeams(2).numReturnSequences(3).build());
        assertThrows(UserException.class, () -> GenerationConfig.builder().numReturnSequences(2).build());
        assertThrows(UserException.class, () -> GenerationConfig.builder().maxNewTokens(0).build());
        assertThrows(UserException.class, () -> GenerationConfig.builder().strategy(Strategy.SAMPLE).topP(0).build());
        assertThrows(UserException.class, () -> GenerationConfig.builder().strategy(Strategy.SAMPLE).numBeams(2).build());
        assertThrows(UserException.class, () -> GenerationConfig.builder().temperature(0).build());
    }
}
