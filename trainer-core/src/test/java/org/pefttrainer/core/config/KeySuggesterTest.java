package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeySuggesterTest {
    private final KeySuggester s = new KeySuggester(ConfigSchema.get().allPaths());

    @Test
    void levenshteinByHand() {
        assertEquals(0, KeySuggester.distance("lr", "lr"));
        assertEquals(1, KeySuggester.distance("lrr", "lr"));
        assertEquals(3, KeySuggester.distance("kitten", "sitting"));
        assertEquals(2, KeySuggester.distance("ab", "ba"));
        assertEquals(4, KeySuggester.distance("", "seed"));
    }

    @Test
    void typosOfAFullPath() {
        assertEquals(List.of("optim.lr"), s.suggest("optim.lrr"));
        assertEquals(List.of("train.batch_size"), s.suggest("train.batchsize"));
        assertEquals(List.of("optim.schedule"), s.suggest("optim.schedul"));
    }

    @Test
    void forgottenSectionPrefix() {
        assertEquals(List.of("peft.lora.r"), s.suggest("lora.r"));
        assertEquals(List.of("peft.prompt_tuning.init_text"), s.suggest("prompt_tuning.init_text"));
    }

    @Test
    void sameLeafElsewhere() {
        assertEquals(List.of("optim.lr"), s.suggest("train.lr"));
        // Three sections have a seed; the closest full path first.
        assertEquals(List.of("run.seed", "generation.seed", "eval.bootstrap.seed"), s.suggest("train.seed"));
        assertEquals(List.of("optim.schedule.warmup_ratio"), s.suggest("train.warmup_ratoi"));
    }

    @Test
    void nothingCloseGivesNothing() {
        assertEquals(List.of(), s.suggest("completely_different"));
        assertEquals("", s.hint("completely_different"));
        assertEquals(" (did you mean 'optim.lr'?)", s.hint("optim.lrr"));
    }
}
