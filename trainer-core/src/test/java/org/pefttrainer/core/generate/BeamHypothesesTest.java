package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;

/** Hand-derived values for transformers 4.33.2's BeamHypotheses rules. */
class BeamHypothesesTest {
    private static BeamHypotheses filled(double lengthPenalty, EarlyStopping es) {
        BeamHypotheses h = new BeamHypotheses(2, lengthPenalty, es, 11);
        h.add(new long[] {0, 5, 6}, -3.0, true);
        h.add(new long[] {0, 5}, -3.0, true);
        return h;
    }

    @Test
    void keepsTheNBestScoredBySumOverLengthPowPenalty() {
        BeamHypotheses h = filled(1.0, EarlyStopping.HEURISTIC); // scores -3/3 = -1.0 and -3/2 = -1.5
        h.add(new long[] {0, 7, 8, 9}, -8.0, true); // -2.0: worse than the worst kept, rejected
        assertEquals(2, h.size());
        h.add(new long[] {0, 1, 2, 3}, -4.0, false); // -1.0: enters, -1.5 leaves
        List<BeamHypotheses.Hypothesis> best = h.best(2);
        assertEquals(-1.0, best.get(0).score());
        assertEquals(-1.0, best.get(1).score());
        // Equal scores: the later-added one first (stable ascending sort, popped from the end).
        assertArrayEquals(new long[] {0, 1, 2, 3}, best.get(0).tokens());
        assertArrayEquals(new long[] {0, 5, 6}, best.get(1).tokens());
        assertFalse(best.get(0).endsWithEos());
    }

    @Test
    void lengthPenaltyUsesTheTokenCountWithTheStartToken() {
        BeamHypotheses h = new BeamHypotheses(1, 2.0, EarlyStopping.HEURISTIC, 11);
        h.add(new long[] {0, 5, 6}, -9.0, true);
        assertEquals(-1.0, h.best(1).get(0).score(), 1e-12); // -9 / 3^2
    }

    @Test
    void heuristicDividesTheBestRunningScoreByTheCurrentLength() {
        BeamHypotheses h = filled(1.0, EarlyStopping.HEURISTIC); // worst kept -1.5
        assertFalse(h.isDone(-7.0, 5)); // -1.4 could still beat -1.5
        assertTrue(h.isDone(-7.5, 5)); // -1.5 cannot
    }

    @Test
    void neverUsesMaxLengthForPositivePenaltyAndCurrentLengthOtherwise() {
        BeamHypotheses h = filled(1.0, EarlyStopping.NEVER); // worst -1.5, max length 11
        assertFalse(h.isDone(-16.0, 5)); // -16/11 = -1.45
        assertTrue(h.isDone(-16.5, 5)); // -1.5
        BeamHypotheses neg = new BeamHypotheses(2, -1.0, EarlyStopping.NEVER, 11);
        neg.add(new long[] {0, 5}, -3.0, true); // -3 * 2 = -6
        neg.add(new long[] {0, 5, 6}, -3.0, true); // -9, the worst
        assertFalse(neg.isDone(-2.0, 4)); // -2 * 4 = -8 > -9
        assertTrue(neg.isDone(-2.5, 4)); // -10
    }

    @Test
    void earlyStoppingTrueStopsAtNumBeamsHypotheses() {
        BeamHypotheses h = new BeamHypotheses(2, 1.0, EarlyStopping.AT_NUM_BEAMS, 11);
        h.add(new long[] {0, 5}, -3.0, true);
        assertFalse(h.isDone(-100.0, 3));
        h.add(new long[] {0, 6}, -1.0, true);
        assertTrue(h.isDone(0.0, 3));
    }
}
