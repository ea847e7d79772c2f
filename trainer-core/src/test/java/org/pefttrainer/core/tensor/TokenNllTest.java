package org.pefttrainer.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.train.ValidationLoss;

/** Per-row token NLL and the token-weighted loss and perplexity, against values worked out by hand, with padding. */
class TokenNllTest {
    @Test
    void sumsCountOnlyLabelTokensAndThePerplexityIsTokenWeighted() {
        try (NDManager m = NDManager.newBaseManager()) {
            // vocab 3; row 0 has labels [0, 2, pad], row 1 has [1, pad, pad]
            float[] logits = {
                1, 2, 3, /**/ 0, 0, 0, /**/ 9, 9, 9,
                2, 0, 0, /**/ 5, 1, 1, /**/ 7, 7, 7};
            NDArray l = m.create(logits, new Shape(2, 3, 3));
            NDArray labels = m.create(new long[] {0, 2, -100, 1, -100, -100}, new Shape(2, 3));
            float[] sums = Ops.tokenNllSums(l, labels).toFloatArray();
            // -log softmax([1,2,3])[0] = log(e + e^2 + e^3) - 1; -log softmax([0,0,0])[2] = log 3
            double row0 = Math.log(Math.E + Math.exp(2) + Math.exp(3)) - 1 + Math.log(3);
            // -log softmax([2,0,0])[1] = log(e^2 + 2) - 0
            double row1 = Math.log(Math.exp(2) + 2);
            assertEquals(row0, sums[0], 1e-5);
            assertEquals(row1, sums[1], 1e-5);
            ValidationLoss.Result r = new ValidationLoss.Result(new double[] {sums[0], sums[1]}, new double[] {2, 1});
            double loss = (row0 + row1) / 3; // three label tokens; padding counts nothing
            assertEquals(loss, r.loss(), 1e-5);
            assertEquals(Math.exp(loss), r.perplexity(), 1e-4);
            // a mean of per-example means would weigh row 1's single token as much as row 0's two
            double perExample = (row0 / 2 + row1) / 2;
            assertEquals(true, Math.abs(perExample - r.loss()) > 0.05);
            // the batch's crossEntropy is the same token-weighted mean
            assertEquals(loss, Ops.crossEntropy(l, labels).getFloat(), 1e-5);
        }
    }
}
