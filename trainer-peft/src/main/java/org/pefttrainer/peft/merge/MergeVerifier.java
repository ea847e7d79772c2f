package org.pefttrainer.peft.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.LoraWeights;

/**
 * {@code merge --verify}: runs the base model with the (combined) adapter attached and the merged model on the same
 * sample inputs and reports the largest absolute logit difference. The two models are loaded one after the other,
 * never both at once.
 *
 * <p>The sample batch is fixed: 3 right-padded rows of 16/9/4 source tokens (random ids of the vocabulary's first
 * 1000, ending with EOS, seed 1234) and 8 decoder positions, so every run checks the same logits.
 */
public final class MergeVerifier {
    /**
     * Default tolerances on the max absolute logit difference. fp32: only the order of operations differs
     * ({@code x·(W+ΔW)ᵀ} vs {@code x·Wᵀ + s·(x·Aᵀ)·Bᵀ}), ~1e-5 relative. 16-bit outputs also round every stored
     * weight, merged or not, to 11 (f16) or 8 (bf16) significant bits, which moves logits by about 2^-11 and 2^-8 of
     * their scale times the square root of the layers' fan-in: the tolerances are scaled by the largest reference
     * logit (at least 1).
     */
    public static double defaultTolerance(DType dtype) {
        return switch (dtype) {
            case F16 -> 1e-2;
            case BF16 -> 8e-2;
            default -> 1e-3;
        };
    }

    /** Whether {@link #defaultTolerance} is relative to the logit scale (16-bit outputs) or absolute (fp32). */
    public static boolean relativeTolerance(DType dtype) {
        return dtype == DType.F16 || dtype == DType.BF16;
    }

    /** The comparison's figures. */
    public record Verification(double maxAbsDiff, double maxAbsLogit, double allowed, int logits) {
        public boolean passed() {
            return maxAbsDiff <= allowed;
        }
    }

    private MergeVerifier() {}

    /**
     * @param tolerance allowed max absolute difference; when {@code relative}, multiplied by max(1, largest reference
     *     |logit|)
     */
    public static Verification verify(HfModelFolder base, LoraWeights adapter, HfModelFolder merged, double tolerance,
            boolean relative) {
        try (NDManager root = NDManager.newBaseManager()) {
            float[] reference;
            try (NDManager m = root.newSubManager()) {
                LanguageModel model = Architectures.load(base, m);
                try (LoraModel lora = LoraModel.of(adapter, model, m)) {
                    reference = logits(model, lora.attach(ForwardContext.inference(m)));
                }
            }
            float[] actual;
            try (NDManager m = root.newSubManager()) {
                LanguageModel model = Architectures.load(merged, m);
                actual = logits(model, ForwardContext.inference(m));
            }
            double maxDiff = 0;
            double maxLogit = 0;
            for (int i = 0; i < reference.length; i++) {
                double d = Math.abs((double) reference[i] - actual[i]);
                // NaN compares false: make it the worst difference.
                maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, d);
                maxLogit = Math.max(maxLogit, Math.abs(reference[i]));
            }
            double allowed = relative ? tolerance * Math.max(1.0, maxLogit) : tolerance;
            return new Verification(maxDiff, maxLogit, allowed, reference.length);
        }
    }

    /** Logits of the fixed sample batch, flattened: [3, 8, V] (seq2seq) or [3, 16, V] (causal). */
    static float[] logits(LanguageModel model, ForwardContext ctx) {
        int[] lengths = {16, 9, 4};
        int width = 16;
        int target = 8;
        int vocab = Math.min(model.vocabSize(), 1000);
        Random rnd = new Random(1234);
        long[] ids = new long[lengths.length * width];
        long[] mask = new long[ids.length];
        long[] dec = new long[lengths.length * target];
        org.pefttrainer.core.model.SpecialTokens starts = org.pefttrainer.core.model.SpecialTokens.of(model);
        for (int r = 0; r < lengths.length; r++) {
            for (int i = 0; i < lengths[r]; i++) {
                ids[r * width + i] = i == lengths[r] - 1 ? model.eosTokenId() : 3 + rnd.nextInt(vocab - 3);
                mask[r * width + i] = 1;
            }
            dec[r * target] = starts.decoderStartTokenId(); // a decoder-only model ignores decoder inputs
            for (int t = 1; t < target; t++) {
                dec[r * target + t] = 3 + rnd.nextInt(vocab - 3);
            }
        }
        NDManager m = ctx.manager();
        boolean causal = model.taskType().causal();
        NDArray logits = TaskForward.logits(model, ctx, m.create(ids, new Shape(lengths.length, width)),
                m.create(mask, new Shape(lengths.length, width)),
                causal ? null : m.create(dec, new Shape(lengths.length, target)));
        return logits.toFloatArray();
    }
}
