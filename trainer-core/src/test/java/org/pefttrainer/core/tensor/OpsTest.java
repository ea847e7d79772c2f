package org.pefttrainer.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The composite ops against hand computations in double precision. */
class OpsTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void rmsNormByHand() {
        float[] x = {1, 2, 3, 4, 0.5f, -0.5f, 0, 0};
        float[] w = {1, 0.5f, 2, -1};
        double eps = 1e-6;
        float[] y = Ops.rmsNorm(manager.create(x, new Shape(2, 4)), manager.create(w), eps).toFloatArray();
        // row 0: mean(x²) = (1+4+9+16)/4 = 7.5, so y = w·x/√7.5: y[0] = 1/2.7386 = 0.36515
        assertEquals(0.3651483, y[0], 1e-6);
        for (int r = 0; r < 2; r++) {
            double ms = 0;
            for (int i = 0; i < 4; i++) {
                ms += (double) x[r * 4 + i] * x[r * 4 + i] / 4;
            }
            for (int i = 0; i < 4; i++) {
                double expected = w[i] * x[r * 4 + i] / Math.sqrt(ms + eps);
                assertEquals(expected, y[r * 4 + i], 1e-6 * Math.max(1, Math.abs(expected)), "row " + r + " col " + i);
            }
        }
        // row 1: mean(x²) = 0.125; y[1][1] = 0.5 · -0.5/√0.125 = -0.7071
        assertEquals(-0.7071039, y[5], 1e-5);
        // no mean subtraction: a constant row keeps its sign, unlike LayerNorm
        float[] c = Ops.rmsNorm(manager.create(new float[] {3, 3, 3}, new Shape(1, 3)), manager.create(new float[] {1, 1, 1}),
                eps).toFloatArray();
        assertEquals(1.0, c[0], 1e-6);
    }

    @Test
    void crossEntropyIgnoresMinus100ByHand() {
        float[] logits = {
            1, 2, 3, 4, // b0 t0 label 3
            0, 0, 0, 0, // b0 t1 label 0
            -1, 0.5f, 2, 0, // b0 t2 label -100
            10, -10, 0, 5, // b1 t0 label 1
            2, 2, 1, 1, // b1 t1 label -100
            0.1f, 0.2f, 0.3f, 0.4f // b1 t2 label 2
        };
        long[] labels = {3, 0, -100, 1, -100, 2};
        NDArray l = manager.create(logits, new Shape(2, 3, 4));
        float loss = Ops.crossEntropy(l, manager.create(labels, new Shape(2, 3))).getFloat();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < 6; i++) {
            if (labels[i] == -100) {
                continue;
            }
            double lse = 0;
            for (int v = 0; v < 4; v++) {
                lse += Math.exp(logits[i * 4 + v]);
            }
            sum += Math.log(lse) - logits[i * 4 + (int) labels[i]];
            n++;
        }
        assertEquals(sum / n, loss, 1e-5);
        // spelled out for position b0 t1: uniform over 4 classes, -log(1/4) = 1.3863
        float one = Ops.crossEntropy(manager.create(new float[] {0, 0, 0, 0}, new Shape(1, 1, 4)),
                manager.create(new long[] {0}, new Shape(1, 1))).getFloat();
        assertEquals(Math.log(4), one, 1e-6);
    }

    @Test
    void crossEntropyIsStableForLargeLogitsAndNaNWhenAllIgnored() {
        float big = Ops.crossEntropy(manager.create(new float[] {1000, 0, -1000}, new Shape(1, 1, 3)),
                manager.create(new long[] {1}, new Shape(1, 1))).getFloat();
        assertEquals(1000.0, big, 1e-3);
        float none = Ops.crossEntropy(manager.create(new float[] {1, 2}, new Shape(1, 1, 2)),
                manager.create(new long[] {-100}, new Shape(1, 1))).getFloat();
        assertTrue(Float.isNaN(none), "torch gives NaN when every label is ignored");
    }

    @Test
    void geluNewByHand() {
        float[] x = {-3, -1, 0, 0.5f, 2};
        float[] y = Ops.geluTanh(manager.create(x)).toFloatArray();
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double expected = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            assertEquals(expected, y[i], 1e-6);
        }
    }

    /**
     * Gradients through arithmetic with Java numbers survive a garbage collection between forward and backward.
     * (NDArray.mul(Number) keeps its operand in a GC-owned buffer that autograd still reads in the backward pass;
     * the GC frees it and the freed memory is reused, here filled with NaN on purpose.)
     */
    @Test
    void scalarArithmeticIsSafeUnderAutograd() throws InterruptedException {
        float[] x = {0.5f, 2f, 3f};
        // d/dx of: 2x, x/4, x^3, x + 1, gelu_new(x), rms norm of x (row) with unit weight, summed
        checkGradient(a -> Ops.mul(a, 2.0), x, new double[] {2, 2, 2});
        checkGradient(a -> Ops.div(a, 4.0), x, new double[] {0.25, 0.25, 0.25});
        checkGradient(a -> Ops.pow(a, 3.0), x, new double[] {0.75, 12, 27});
        checkGradient(a -> Ops.add(a, 1.0), x, new double[] {1, 1, 1});
        double[] gelu = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = x[i];
            double k = Math.sqrt(2 / Math.PI);
            double t = Math.tanh(k * (v + 0.044715 * v * v * v));
            gelu[i] = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
        }
        checkGradient(Ops::geluTanh, x, gelu);
        // sum_j x_j / r with r = sqrt(mean(x²) + eps): d/dx_i = 1/r - (sum_j x_j) · x_i / (n · r³)
        double ms = (0.25 + 4 + 9) / 3 + 1e-6;
        double r = Math.sqrt(ms);
        double sum = 5.5;
        double[] rms = new double[3];
        for (int i = 0; i < 3; i++) {
            rms[i] = 1 / r - sum * x[i] / (3 * r * r * r);
        }
        checkGradient(a -> Ops.rmsNorm(a, a.getManager().ones(new Shape(3)), 1e-6), x, rms);
    }

    private static void checkGradient(UnaryOperator<NDArray> f, float[] x, double[] expected) throws InterruptedException {
        try (NDManager m = manager.newSubManager()) {
            NDArray p = m.create(x);
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(p).sum();
                System.gc();
                Thread.sleep(20); // let the cleaner free unreachable direct buffers
                List<ByteBuffer> junk = new ArrayList<>();
                for (int i = 0; i < 20000; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
                    b.putDouble(0, Double.NaN);
                    junk.add(b);
                }
                gc.backward(y);
                assertTrue(junk.size() > 0);
            }
            float[] g = p.getGradient().toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(expected[i], g[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "gradient " + i);
            }
        }
    }
}
