package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.ForwardContext;

/**
 * The decoder-only side of one generate call, batched as transformers' generate() does it: prompts left-padded to
 * the longest, each repeated for its beams or samples; the attention mask covers prompt and generated tokens (a
 * generated position is always 1, even after a row finished); position ids come from the mask (cumsum - 1, 1 on
 * padding). The first step feeds the whole prompt, later ones one token per row with the KV cache (or the whole
 * sequence again without it).
 *
 * <p>Memory follows {@link Seq2SeqSession}: the cache lives in the session's manager between steps; each step runs in
 * a child manager that receives the cache first, so the new entries and everything derived land there; after the
 * step the new entries move back and the replaced ones die with the step.
 */
final class CausalSession implements DecodingSession {
    private final CausalLM model;
    private final NDManager session;
    private final ForwardContext ctx;
    private final DecoderCache cache;
    private final int rows;
    private final int rowsPerInput;
    private final int width;
    private final long[][] prompt;
    private final long[][] promptMask;
    private final int[] promptLengths;
    private final StepObserver observer;
    private NDManager step;
    private int[] pendingParents;

    CausalSession(CausalLM model, ForwardContext caller, List<long[]> inputs, long pad, int rowsPerInput,
            boolean useCache, StepObserver observer) {
        this.model = model;
        this.rowsPerInput = rowsPerInput;
        this.observer = observer;
        this.rows = inputs.size() * rowsPerInput;
        int w = 0;
        for (long[] in : inputs) {
            w = Math.max(w, in.length);
        }
        this.width = w;
        this.promptLengths = new int[inputs.size()];
        for (int i = 0; i < promptLengths.length; i++) {
            promptLengths[i] = inputs.get(i).length;
        }
        this.prompt = new long[rows][width];
        this.promptMask = new long[rows][width];
        for (int r = 0; r < rows; r++) {
            long[] in = inputs.get(r / rowsPerInput);
            int off = width - in.length;
            Arrays.fill(prompt[r], pad);
            System.arraycopy(in, 0, prompt[r], off, in.length);
            Arrays.fill(promptMask[r], off, width, 1L);
        }
        this.session = caller.manager().newSubManager();
        // Generation never trains: no dropout; the adapters' hooks map each row to its input through the repeat.
        this.ctx = caller.withManager(session).withTraining(false).withRowRepeat(rowsPerInput);
        this.cache = useCache ? model.newCache() : null;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int rowsPerInput() {
        return rowsPerInput;
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    @Override
    public long[][] startTokens(int newTokens) {
        long[][] t = new long[rows][width + newTokens];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(prompt[r], 0, t[r], 0, width);
        }
        return t;
    }

    @Override
    public int prefixLength() {
        return width;
    }

    @Override
    public int padding(int input) {
        return width - promptLengths[input];
    }

    @Override
    public NDArray step(long[][] tokens, int length) {
        if (step != null) {
            step.close();
        }
        step = session.newSubManager();
        int from = 0;
        if (cache != null) {
            moveCache(step);
            applyReorder();
            from = cache.length() == 0 ? 0 : length - 1;
        } else {
            pendingParents = null;
        }
        int fed = length - from;
        long[] ids = new long[rows * fed];
        long[] pos = new long[rows * fed];
        long[] att = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            long p = -1;
            for (int j = 0; j < length; j++) {
                long a = j < width ? promptMask[r][j] : 1L;
                att[r * length + j] = a;
                p += a;
                if (j >= from) {
                    ids[r * fed + j - from] = tokens[r][j];
                    pos[r * fed + j - from] = a == 0 ? 1 : p;
                }
            }
        }
        Shape s = new Shape(rows, fed);
        NDArray logits = model.forward(ctx.withManager(step), step.create(ids, s), step.create(att, new Shape(rows,
                length)), step.create(pos, s), cache);
        if (cache != null) {
            moveCache(session);
        }
        NDArray next = logits.get(":, -1, :");
        if (observer != null) {
            observer.onStep(length - width, next);
        }
        return next;
    }

    @Override
    public void reorder(int[] parents) {
        pendingParents = DecodingSession.reordering(parents);
    }

    /**
     * Beams take their parents' cache rows. A parent is always a row of the same input, so the prompt masks (and a
     * soft prompt's prefix, kept by the cache per row) need no reordering.
     */
    private void applyReorder() {
        if (pendingParents == null) {
            return;
        }
        long[] index = new long[rows];
        for (int r = 0; r < rows; r++) {
            index[r] = pendingParents[r];
        }
        NDArray idx = step.create(index);
        for (int l = 0; l < model.numLayers(); l++) {
            if (cache.selfKey(l) != null) {
                cache.setSelf(l, cache.selfKey(l).get(idx), cache.selfValue(l).get(idx));
            }
        }
        pendingParents = null;
    }

    private void moveCache(NDManager target) {
        for (int l = 0; l < model.numLayers(); l++) {
            if (cache.selfKey(l) != null) {
                cache.selfKey(l).attach(target);
                cache.selfValue(l).attach(target);
            }
        }
    }

    @Override
    public void close() {
        if (step != null) {
            step.close();
            step = null;
        }
        session.close();
    }
}
