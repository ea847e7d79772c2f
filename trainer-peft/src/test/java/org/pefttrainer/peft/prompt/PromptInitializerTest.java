package org.pefttrainer.peft.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.peft.Stats;

class PromptInitializerTest {
    @Test
    void randomIsStandardNormalLikeNnEmbedding() {
        float[] t = PromptInitializer.randomNormal(100, 512, 9);
        Stats.assertNormal(t, 1.0, "prompt table");
        assertArrayEquals(t, PromptInitializer.randomNormal(100, 512, 9));
        assertFalse(Arrays.equals(t, PromptInitializer.randomNormal(100, 512, 10)));
    }

    @Test
    void sampleVocabDrawsIdsUniformlyOverTheWholeTable() {
        int vocab = 96;
        int n = 9600;
        int[] ids = PromptInitializer.sampleVocabIds(n, vocab, 4);
        int[] counts = new int[vocab];
        for (int id : ids) {
            counts[id]++; // also fails on an id outside [0, vocab)
        }
        double expected = n / (double) vocab;
        double chi2 = 0;
        for (int c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // χ² with 95 degrees of freedom: mean 95, sd √190 ≈ 13.8; 164 is 5 sd above the mean.
        assertTrue(chi2 < 164, "chi2 " + chi2);
        assertTrue(counts[0] > 0 && counts[vocab - 1] > 0, "both ends of the table are drawn");
    }

    @Test
    void textIdsRepeatOrTruncateAsPeftsPromptEmbedding() {
        // PEFT: ids * ceil(total / len) then [:total]; or ids[:total] when longer.
        assertArrayEquals(new int[] {5, 6, 1, 5, 6, 1, 5, 6}, PromptInitializer.textIds(new int[] {5, 6, 1}, 8, "t"));
        assertArrayEquals(new int[] {5, 6, 1, 5, 6, 1}, PromptInitializer.textIds(new int[] {5, 6, 1}, 6, "t"));
        assertArrayEquals(new int[] {10, 11, 12, 13}, PromptInitializer.textIds(new int[] {10, 11, 12, 13, 14, 1}, 4, "t"));
        assertThrows(UserException.class, () -> PromptInitializer.textIds(new int[0], 4, "t"));
    }
}
