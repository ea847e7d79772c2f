package org.pefttrainer.recipes;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.pefttrainer.core.ProcessMemory;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.PositionLimit;
import org.pefttrainer.core.train.ActivationMemory;

/**
 * What can be known before the first step is checked there: a sequence longer than a learned position table, a
 * generation that leaves no room after the prompt, a batch whose memory cannot fit. A run must not train for an
 * epoch and then fail on something its config already said.
 */
final class Preflight {
    private static final double GIB = 1024.0 * 1024 * 1024;

    private Preflight() {}

    /** The training batches: positions and memory of the longest one. */
    static void training(TrainerConfig cfg, ModelSession session, List<TokenizedExample> tokenized, PrintStream out) {
        boolean causal = TaskData.causal(session);
        int maxSrc = cfg.data().maxSourceLength();
        int maxTgt = cfg.data().maxTargetLength();
        int virtual = virtualTokens(cfg);
        long longest = 0;
        for (TokenizedExample e : tokenized) {
            long src = Math.min(e.sourceIds().length, maxSrc);
            long len = causal ? src + Math.min(e.targetIds().length, maxTgt) + 1 : src; // + EOS
            longest = Math.max(longest, len + virtual);
        }
        LanguageModel model = session.model();
        PositionLimit limit = model.positionLimit();
        if (causal && limit.limited() && longest > limit.positions()) {
            String why = "the longest training example is " + longest + " tokens (prompt up to data.max_source_length "
                    + maxSrc + ", summary up to data.max_target_length " + maxTgt + ", EOS"
                    + (virtual > 0 ? ", " + virtual + " virtual tokens" : "") + "), longer than " + limit.key() + " "
                    + limit.positions() + " of " + session.folder().configFile();
            if (limit.hard()) {
                throw new UserException(why + ": lower data.max_source_length or data.max_target_length");
            }
            out.println("warning: " + why + "; the model was not trained on positions that far");
        }
        int batch = Math.min(cfg.train().batchSize(), tokenized.size());
        boolean checkpointing = cfg.train().gradientCheckpointing();
        long bytes = ActivationMemory.attentionBytesLowerBound(model, batch, longest, checkpointing);
        double available = ProcessMemory.availableMib() * 1024 * 1024;
        if (!Double.isNaN(available) && bytes > available) {
            throw new UserException(String.format(Locale.ROOT, "train: the longest batch (%d × %,d tokens) needs at"
                    + " least %.1f GiB for its attention probabilities alone (%d layers × %d heads × length² floats kept"
                    + " for the backward pass), more than the %.1f GiB this machine has free: lower"
                    + " data.max_source_length (%d) or train.batch_size (%d)%s", batch, longest, bytes / GIB,
                    checkpointing ? 1 : model.numHiddenLayers(), model.numAttentionHeads(), available / GIB, maxSrc,
                    cfg.train().batchSize(), checkpointing ? "" : ", or set train.gradient_checkpointing=true"));
        }
    }

    /**
     * Generation for {@code what} (e.g. "epoch-end evaluation") from prompts of up to {@code longestPrompt} tokens
     * (already cut to data.max_source_length), with {@code virtual} soft-prompt tokens in front: a decoder-only model
     * must have room for new tokens after the prompt, within a learned position table.
     */
    static void generation(ModelSession session, GenerationConfig decoding, int longestPrompt, int virtual,
            int maxSourceLength, String what) {
        if (!TaskData.causal(session) || longestPrompt == 0) {
            return;
        }
        int newTokens = decoding.maxLength() > 0 ? decoding.maxLength() - longestPrompt : decoding.maxNewTokens();
        if (newTokens < 1) {
            throw new UserException(what + ": generation max_length " + decoding.maxLength() + " (generation_config.json,"
                    + " or transformers' default) counts the prompt of a decoder-only model and leaves no room after the"
                    + " longest " + longestPrompt + "-token prompt: set generation.max_new_tokens");
        }
        PositionLimit limit = session.model().positionLimit();
        long total = (long) longestPrompt + virtual + newTokens;
        if (limit.hard() && total > limit.positions()) {
            throw new UserException(what + ": the longest prompt (" + longestPrompt + " tokens, at most"
                    + " data.max_source_length " + maxSourceLength + ")" + (virtual > 0 ? " + " + virtual
                    + " virtual tokens" : "") + " + generation.max_new_tokens " + newTokens + " = " + total
                    + " tokens, longer than " + limit.key() + " " + limit.positions() + " of "
                    + session.folder().configFile() + ": lower generation.max_new_tokens or data.max_source_length");
        }
    }

    /** Longest prompt generation sees: each example's prompt cut to max_source_length. */
    static int longestPrompt(List<TokenizedExample> examples, int maxSourceLength) {
        int longest = 0;
        for (TokenizedExample e : examples) {
            longest = Math.max(longest, Math.min(e.sourceIds().length, maxSourceLength));
        }
        return longest;
    }

    static int virtualTokens(TrainerConfig cfg) {
        return cfg.peft().method() == org.pefttrainer.core.config.PeftConfig.Method.PROMPT_TUNING
                ? cfg.peft().promptTuning().getInt("num_virtual_tokens") : 0;
    }
}
