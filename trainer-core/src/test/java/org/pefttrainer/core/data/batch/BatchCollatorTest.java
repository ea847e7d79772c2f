package org.pefttrainer.core.data.batch;

import org.pefttrainer.core.model.SpecialTokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A three-example batch worked out by hand (truncation keeping EOS, padding, -100 labels, T5 shift-right). */
class BatchCollatorTest {
    private static final SpecialTokens T5 = new SpecialTokens(0, 1, 0);

    private static final List<TokenizedExample> EXAMPLES = List.of(
            new TokenizedExample("e0", new int[] {5, 6, 7, 8, 9, 1}, new int[] {20, 21, 1}),
            new TokenizedExample("e1", new int[] {10, 1}, new int[] {22, 23, 24, 25, 1}),
            new TokenizedExample("e2", new int[] {11, 12, 13}, new int[] {1}));

    @Test
    void handComputedBatch() {
        Batch b = new BatchCollator(4, 3, T5).collate(EXAMPLES, new int[] {2, 0, 1});

        assertEquals(List.of("e2", "e0", "e1"), b.exampleIds());
        assertArrayEquals(new int[] {2, 0, 1}, b.indices());
        assertEquals(3, b.size());
        assertArrayEquals(new long[] {3, 4}, b.sourceShape());
        assertArrayEquals(new long[] {3, 3}, b.targetShape());
        // e0's source 5 6 7 8 9 </s> is cut to 4 keeping </s>; e2 has no </s> and is short; pad id 0
        assertArrayEquals(new long[][] {{11, 12, 13, 0}, {5, 6, 7, 1}, {10, 1, 0, 0}}, b.inputIdsRows());
        assertArrayEquals(new long[][] {{1, 1, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}}, b.attentionMaskRows());
        // e1's target 22 23 24 25 </s> is cut to 3 keeping </s>; e2's target is only </s>, padded with -100
        assertArrayEquals(new long[][] {{1, -100, -100}, {20, 21, 1}, {22, 23, 1}}, b.labelsRows());
        // decoder start 0, then labels without their last column, -100 → pad 0
        assertArrayEquals(new long[][] {{0, 1, 0}, {0, 20, 21}, {0, 22, 23}}, b.decoderInputIdsRows());
        assertEquals(7, b.targetTokenCount());
        // flat arrays are row-major
        assertArrayEquals(new long[] {11, 12, 13, 0, 5, 6, 7, 1, 10, 1, 0, 0}, b.inputIds());
    }

    @Test
    void shiftRightUsesDecoderStartAndPadIdsSeparately() {
        SpecialTokens odd = new SpecialTokens(9, 1, 7);
        List<TokenizedExample> ex = List.of(new TokenizedExample("a", new int[] {3}, new int[] {4}),
                new TokenizedExample("b", new int[] {3, 3}, new int[] {5, 6, 1}));
        Batch b = new BatchCollator(8, 8, odd).collate(ex, new int[] {0, 1});
        assertArrayEquals(new long[][] {{3, 9}, {3, 3}}, b.inputIdsRows());
        assertArrayEquals(new long[][] {{4, -100, -100}, {5, 6, 1}}, b.labelsRows());
        assertArrayEquals(new long[][] {{7, 4, 9}, {7, 5, 6}}, b.decoderInputIdsRows());
    }

    @Test
    void truncation() {
        assertArrayEquals(new int[] {4, 5, 1}, BatchCollator.truncate(new int[] {4, 5, 6, 7, 1}, 3, 1));
        assertArrayEquals(new int[] {4, 5, 6}, BatchCollator.truncate(new int[] {4, 5, 6, 7}, 3, 1));
        assertArrayEquals(new int[] {4, 1}, BatchCollator.truncate(new int[] {4, 1}, 3, 1));
        assertArrayEquals(new int[] {1}, BatchCollator.truncate(new int[] {4, 5, 1}, 1, 1));
    }
}
