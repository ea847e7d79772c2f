package org.pefttrainer.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.t5.T5Config;

/** Tiny random T5 model folders for tests, written with {@link ModelInitializer} and a word-level tokenizer. */
public final class TinyT5 {
    private TinyT5() {}

    /**
     * A config with tiny dimensions. {@code gated}: gated-gelu (T5 v1.1 / FLAN) instead of relu;
     * {@code tied}: tied embeddings with the d_model^-½ rescale (T5 v1.0).
     */
    public static T5Config config(int vocab, int dModel, int dKv, int heads, int dFf, int layers, int decoderLayers,
            boolean gated, boolean tied, double dropout) {
        return new T5Config(vocab, dModel, dKv, dFf, layers, decoderLayers, heads, 32, 128, dropout, 1e-6,
                gated ? "gelu_new" : "relu", gated, tied, 0, 1, 0);
    }

    /** Writes a model folder at {@code out} with config {@code c}; the tokenizer vocabulary is padded words. */
    public static Path write(Path out, T5Config c, long seed, DType dtype, long maxShardBytes) {
        try {
            Path corpus = Files.createTempFile("tiny-corpus", ".txt");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.vocabSize(); i++) {
                sb.append("w").append(i).append(' ');
            }
            Files.writeString(corpus, sb.toString());
            ModelInitializer.initialize(out, c.toJson(), ModelInitializer.TokenizerSource.build(List.of(corpus),
                    c.vocabSize()), seed, dtype, maxShardBytes, true);
            Files.delete(corpus);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
