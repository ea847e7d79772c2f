package org.pefttrainer.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pefttrainer.eval.rouge.BootstrapSettings;

class ExactMatchAndResamplingTest {
    @Test
    void exactMatchNormalisesAsSquad() {
        // lower-case, ASCII punctuation dropped, articles dropped, whitespace collapsed
        assertEquals("cat sat on mat", ExactMatch.normalize("The cat sat on a mat."));
        assertEquals("person1 books table", ExactMatch.normalize("  #Person1# books   an\ttable!  "));
        assertEquals("theater", ExactMatch.normalize("Theater"), "'the' only as a word");
        assertEquals("café", ExactMatch.normalize("Café"), "non-ASCII letters stay");
        assertEquals("", ExactMatch.normalize("The."));
        assertEquals(1.0, ExactMatch.score("the cat, sat.", List.of("x", "Cat sat")));
        assertEquals(0.0, ExactMatch.score("cat sat", List.of("cat sits")));
        assertEquals(1.0, ExactMatch.score("", List.of("a the .")), "both normalise to the empty string");
    }

    @Test
    void intervalOfAConstantIsThatConstant() {
        Resampling.Estimate e = Resampling.estimate(5, Resampling.mean(new double[] {0.5, 0.5, 0.5, 0.5, 0.5}),
                new BootstrapSettings(0.95, 200, 1));
        assertEquals(0.5, e.value());
        assertEquals(0.5, e.low(), 1e-15);
        assertEquals(0.5, e.high(), 1e-15);
    }

    @Test
    void intervalOfAMeanCoversItAndNarrowsWithMoreExamples() {
        double[] small = new double[20];
        double[] large = new double[2000];
        for (int i = 0; i < large.length; i++) {
            double v = i % 2;
            large[i] = v;
            if (i < small.length) {
                small[i] = v;
            }
        }
        BootstrapSettings s = new BootstrapSettings(0.95, 500, 42);
        Resampling.Estimate a = Resampling.estimate(20, Resampling.mean(small), s);
        Resampling.Estimate b = Resampling.estimate(2000, Resampling.mean(large), s);
        assertTrue(a.low() < 0.5 && a.high() > 0.5);
        // the normal approximation: half-width ~ 1.96 * 0.5 / sqrt(n)
        assertEquals(1.96 * 0.5 / Math.sqrt(2000), (b.high() - b.low()) / 2, 0.004);
        assertTrue(b.high() - b.low() < a.high() - a.low());
    }

    @Test
    void pairedTest() {
        double[] x = new double[200];
        double[] y = new double[200];
        double[] z = new double[200];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37 % 100) / 100.0;
            y[i] = x[i] + 0.2; // better on every example
        }
        for (int i = 0; i < x.length; i++) {
            z[i] = x[(i + 1) % x.length]; // the same values on other examples: the same mean, no gain
        }
        assertEquals(1.0, Resampling.pairedPValue(200, Resampling.mean(x), Resampling.mean(x.clone()), 1000, 3),
                "identical systems");
        assertEquals(1.0 / 1001, Resampling.pairedPValue(200, Resampling.mean(y), Resampling.mean(x), 1000, 3), 1e-12,
                "a constant gain: every resample's |difference| equals the observed one, none exceeds it once centred");
        double p = Resampling.pairedPValue(200, Resampling.mean(z), Resampling.mean(x), 1000, 3);
        assertEquals(1.0, p, "equal means: no observed difference");
    }

    @Test
    void ratioIsTokenWeighted() {
        // two examples: 10 NLL over 5 tokens and 1 over 1 token -> 11 / 6, not the mean of 2 and 1
        assertEquals(11.0 / 6, Resampling.ratio(new double[] {10, 1}, new double[] {5, 1}).applyAsDouble(new int[] {0, 1}));
    }
}
