package org.pefttrainer.core.model.t5;

import java.util.Map;

/**
 * T5ForConditionalGeneration's inference forward pass written out in plain double arithmetic from
 * transformers' modeling_t5.py, for tests: no tensors library, loops only. Masking is done by leaving masked keys
 * out of the softmax; position buckets use the closed form of {@code _relative_position_bucket} in double.
 */
final class T5Reference {
    private final T5Config c;
    private final Map<String, float[]> w;

    T5Reference(T5Config c, Map<String, float[]> weights) {
        this.c = c;
        this.w = weights;
    }

    /** Encoder output [S][d] for one sequence. */
    double[][] encode(long[] ids, long[] mask) {
        int s = ids.length;
        double[][] h = embed(ids);
        double[][][] bias = positionBias("encoder", s, s, true);
        boolean[][] allowed = new boolean[s][s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                allowed[i][j] = mask[j] != 0;
            }
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String b = "encoder.block." + l + ".layer.";
            double[][] n = rms(h, b + "0.layer_norm.weight");
            add(h, attention(b + "0.SelfAttention", n, n, bias, allowed));
            add(h, feedForward(b + "1.DenseReluDense", rms(h, b + "1.layer_norm.weight")));
        }
        return rms(h, "encoder.final_layer_norm.weight");
    }

    /** Logits [T][V] of a teacher-forced decoder pass. */
    double[][] decode(double[][] enc, long[] encMask, long[] decoderIds) {
        int t = decoderIds.length;
        int s = enc.length;
        double[][] h = embed(decoderIds);
        double[][][] bias = positionBias("decoder", t, t, false);
        boolean[][] causal = new boolean[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                causal[i][j] = true;
            }
        }
        boolean[][] cross = new boolean[t][s];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < s; j++) {
                cross[i][j] = encMask[j] != 0;
            }
        }
        double[][][] noBias = new double[c.numHeads()][t][s]; // cross-attention has no position bias
        for (int l = 0; l < c.numDecoderLayers(); l++) {
            String b = "decoder.block." + l + ".layer.";
            double[][] n = rms(h, b + "0.layer_norm.weight");
            add(h, attention(b + "0.SelfAttention", n, n, bias, causal));
            n = rms(h, b + "1.layer_norm.weight");
            add(h, attention(b + "1.EncDecAttention", n, enc, noBias, cross));
            add(h, feedForward(b + "2.DenseReluDense", rms(h, b + "2.layer_norm.weight")));
        }
        h = rms(h, "decoder.final_layer_norm.weight");
        String head = "lm_head.weight";
        if (c.tieWordEmbeddings()) {
            double scale = 1 / Math.sqrt(c.dModel());
            for (double[] row : h) {
                for (int i = 0; i < row.length; i++) {
                    row[i] *= scale;
                }
            }
            head = "shared.weight";
        }
        return linear(h, head, c.vocabSize());
    }

    private double[][] embed(long[] ids) {
        float[] e = w.get("shared.weight");
        int d = c.dModel();
        double[][] h = new double[ids.length][d];
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < d; k++) {
                h[i][k] = e[(int) ids[i] * d + k];
            }
        }
        return h;
    }

    /** weight · x / sqrt(mean(x²) + eps), no mean subtraction, no bias. */
    private double[][] rms(double[][] x, String weight) {
        float[] g = w.get(weight);
        double[][] y = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            ms /= x[i].length;
            double inv = 1 / Math.sqrt(ms + c.layerNormEpsilon());
            for (int k = 0; k < x[i].length; k++) {
                y[i][k] = g[k] * x[i][k] * inv;
            }
        }
        return y;
    }

    /** x · Wᵀ with W [out][in] row-major. */
    private double[][] linear(double[][] x, String weight, int out) {
        float[] m = w.get(weight);
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += x[i][k] * m[o * in + k];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    /** Bias [head][query][key] = relative_attention_bias[bucket(key - query)][head] of layer 0 of the stack. */
    private double[][][] positionBias(String stack, int q, int k, boolean bidirectional) {
        float[] table = w.get(stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight");
        int heads = c.numHeads();
        double[][][] b = new double[heads][q][k];
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < k; j++) {
                int bucket = bucket(j - i, bidirectional);
                for (int hd = 0; hd < heads; hd++) {
                    b[hd][i][j] = table[bucket * heads + hd];
                }
            }
        }
        return b;
    }

    private int bucket(int rel, boolean bidirectional) {
        int n = c.relativeAttentionNumBuckets();
        int base = 0;
        int d;
        if (bidirectional) {
            n /= 2;
            base = rel > 0 ? n : 0;
            d = Math.abs(rel);
        } else {
            d = Math.max(-rel, 0);
        }
        int exact = n / 2;
        if (d < exact) {
            return base + d;
        }
        int large = exact + (int) (Math.log((double) d / exact) / Math.log((double) c.relativeAttentionMaxDistance() / exact)
                * (n - exact));
        return base + Math.min(large, n - 1);
    }

    /** Multi-head attention without score scaling (T5), softmax over the allowed keys only. */
    private double[][] attention(String p, double[][] x, double[][] kv, double[][][] bias, boolean[][] allowed) {
        int inner = c.innerDim();
        int dkv = c.dKv();
        double[][] q = linear(x, p + ".q.weight", inner);
        double[][] k = linear(kv, p + ".k.weight", inner);
        double[][] v = linear(kv, p + ".v.weight", inner);
        double[][] out = new double[x.length][inner];
        for (int hd = 0; hd < c.numHeads(); hd++) {
            for (int i = 0; i < x.length; i++) {
                double[] scores = new double[kv.length];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < kv.length; j++) {
                    if (!allowed[i][j]) {
                        continue;
                    }
                    double s = bias[hd][i][j];
                    for (int d = 0; d < dkv; d++) {
                        s += q[i][hd * dkv + d] * k[j][hd * dkv + d];
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double z = 0;
                for (int j = 0; j < kv.length; j++) {
                    if (allowed[i][j]) {
                        scores[j] = Math.exp(scores[j] - max);
                        z += scores[j];
                    }
                }
                for (int j = 0; j < kv.length; j++) {
                    if (allowed[i][j]) {
                        for (int d = 0; d < dkv; d++) {
                            out[i][hd * dkv + d] += scores[j] / z * v[j][hd * dkv + d];
                        }
                    }
                }
            }
        }
        return linear(out, p + ".o.weight", c.dModel());
    }

    private double[][] feedForward(String p, double[][] x) {
        double[][] hidden;
        if (c.gatedAct()) {
            double[][] gate = linear(x, p + ".wi_0.weight", c.dFf());
            double[][] lin = linear(x, p + ".wi_1.weight", c.dFf());
            hidden = new double[x.length][c.dFf()];
            for (int i = 0; i < x.length; i++) {
                for (int k = 0; k < c.dFf(); k++) {
                    hidden[i][k] = act(gate[i][k]) * lin[i][k];
                }
            }
        } else {
            hidden = linear(x, p + ".wi.weight", c.dFf());
            for (double[] row : hidden) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = act(row[k]);
                }
            }
        }
        return linear(hidden, p + ".wo.weight", c.dModel());
    }

    private double act(double v) {
        return switch (c.denseActFn()) {
            case "relu" -> Math.max(0, v);
            // NewGELUActivation: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))
            case "gelu_new" -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            default -> throw new IllegalArgumentException(c.denseActFn());
        };
    }

    private static void add(double[][] h, double[][] delta) {
        for (int i = 0; i < h.length; i++) {
            for (int k = 0; k < h[i].length; k++) {
                h[i][k] += delta[i][k];
            }
        }
    }
}
