package org.pefttrainer.peft.lora;

import java.util.Random;
import org.pefttrainer.peft.adapter.ParameterRandom;

/**
 * Initial values of one module's A [r, in] and B [out, r], per {@link LoraInit}, drawn from
 * {@link ParameterRandom} (one java.util.Random per tensor, seeded from the seed and the tensor's PEFT key). The
 * distributions are PEFT's; the random streams are not torch's, so values differ from PEFT's for the same seed.
 */
public final class LoraInitializer {
    private LoraInitializer() {}

    /** {A, B} as row-major float arrays. */
    public static float[][] initialise(LoraInit init, String module, int r, int in, int out, long seed) {
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        Random ra = ParameterRandom.of(seed, LoraKeys.a(module));
        switch (init) {
            case DEFAULT -> kaimingUniform(a, in, ra);
            case GAUSSIAN -> normal(a, 1.0 / r, ra);
            case NONE -> {
                kaimingUniform(a, in, ra);
                kaimingUniform(b, r, ParameterRandom.of(seed, LoraKeys.b(module)));
            }
            default -> throw new IllegalStateException(init.toString());
        }
        return new float[][] {a, b};
    }

    /**
     * {A, B} of an embedding's LoRA (lora_embedding_A [r, num_embeddings], lora_embedding_B [dim, r]): PEFT starts A
     * at zero and draws B from N(0, 1) (lora.Embedding.reset_lora_parameters); with init false both are N(0, 1).
     */
    public static float[][] initialiseEmbedding(LoraInit init, String module, int r, int in, int out, long seed) {
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        normal(b, 1.0, ParameterRandom.of(seed, LoraKeys.embeddingB(module)));
        if (init == LoraInit.NONE) {
            normal(a, 1.0, ParameterRandom.of(seed, LoraKeys.embeddingA(module)));
        }
        return new float[][] {a, b};
    }

    /**
     * torch's kaiming_uniform_(a=sqrt(5)) (nn.Linear's default): gain sqrt(2 / (1 + 5)), bound
     * gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in), values U(-bound, bound).
     */
    public static void kaimingUniform(float[] w, int fanIn, Random rnd) {
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
        }
    }

    public static void normal(float[] w, double std, Random rnd) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * std);
        }
    }
}
