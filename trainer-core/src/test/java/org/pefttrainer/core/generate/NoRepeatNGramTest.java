package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class NoRepeatNGramTest {
    @Test
    void bansTheTokensThatWouldRepeatAnNGram() {
        long[] seq = {0, 40, 28, 27, 40, 28, 99, 40};
        // Bigrams starting with the last token 40: (40, 28) twice -> 28 banned (listed once per occurrence).
        assertArrayEquals(new long[] {28, 28}, new NoRepeatNGram(2).banned(seq, 8));
        // Trigram prefix (99, 40) never occurred before.
        assertArrayEquals(new long[] {}, new NoRepeatNGram(3).banned(seq, 8));
        // Prefix (40, 28) after 6 tokens: the trigram (40, 28, 27) exists.
        assertArrayEquals(new long[] {27}, new NoRepeatNGram(3).banned(seq, 6));
        // Unigrams: every token so far, the decoder start token included.
        assertArrayEquals(new long[] {0, 40, 28}, new NoRepeatNGram(1).banned(seq, 3));
        // Too short for any n-gram yet.
        assertArrayEquals(new long[] {}, new NoRepeatNGram(4).banned(seq, 2));
    }

    @Test
    void setsBannedScoresToMinusInfinityPerRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scores = m.arange(0f, 12f).reshape(new Shape(2, 6));
            long[][] tokens = {{0, 3, 0, 0}, {0, 1, 2, 1}};
            NDArray out = new NoRepeatNGram(2).apply(scores, tokens, 3);
            float ninf = Float.NEGATIVE_INFINITY;
            // Row 0: last token 0; bigram (0, 3) seen -> ban 3. Row 1: last token 2, no bigram (2, x) yet.
            assertArrayEquals(new float[] {0, 1, 2, ninf, 4, 5, 6, 7, 8, 9, 10, 11}, out.toFloatArray());
            NDArray out4 = new NoRepeatNGram(2).apply(scores, tokens, 4);
            // Length 4: row 0 last token 0, bigrams (0,3),(3,0),(0,0) -> ban 3 and 0; row 1 last 1 -> (1,2) -> ban 2.
            assertArrayEquals(new float[] {ninf, 1, 2, ninf, 4, 5, 6, 7, ninf, 9, 10, 11}, out4.toFloatArray());
        }
    }
}
