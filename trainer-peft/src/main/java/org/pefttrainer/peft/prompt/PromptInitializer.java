package org.pefttrainer.peft.prompt;

import java.util.Random;
import org.pefttrainer.core.UserException;
import org.pefttrainer.peft.adapter.ParameterRandom;

/**
 * The initial soft prompt table, or the token ids whose embedding rows it copies, per {@link PromptTuningInit}.
 * Random values come from {@link ParameterRandom} keyed by {@code prompt_embeddings}, so they depend only on the
 * seed (torch's random stream is not reproduced).
 */
public final class PromptInitializer {
    private PromptInitializer() {}

    /** RANDOM: rows × dim entries N(0, 1), row-major. */
    public static float[] randomNormal(int rows, int dim, long seed) {
        Random rnd = ParameterRandom.of(seed, SoftPrompt.KEY);
        float[] t = new float[rows * dim];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) rnd.nextGaussian();
        }
        return t;
    }

    /** SAMPLE_VOCAB: {@code total} token ids uniform in [0, vocabRows) (newer PEFT: torch.randint(0, num_embeddings)). */
    public static int[] sampleVocabIds(int total, int vocabRows, long seed) {
        Random rnd = ParameterRandom.of(seed, SoftPrompt.KEY);
        int[] ids = new int[total];
        for (int i = 0; i < total; i++) {
            ids[i] = rnd.nextInt(vocabRows);
        }
        return ids;
    }

    /**
     * TEXT: PEFT's PromptEmbedding: the text's ids cut to {@code total}, or repeated ceil(total / n) times and then
     * cut, so the table holds the text over and over.
     */
    public static int[] textIds(int[] textIds, int total, String where) {
        if (textIds.length == 0) {
            throw new UserException(where + ": prompt_tuning_init_text tokenizes to no tokens");
        }
        int[] ids = new int[total];
        for (int i = 0; i < total; i++) {
            ids[i] = textIds[i % textIds.length];
        }
        return ids;
    }
}
