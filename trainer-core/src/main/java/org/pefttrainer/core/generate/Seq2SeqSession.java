package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.EncoderOutput;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * The encoder-decoder side of one generate call: the encoder run once (its output repeated for every beam or sample of an
 * input row), then one decoder step per call of {@link #step}, incrementally with the key/value cache or by
 * re-running the whole decoder.
 *
 * <p>Native memory is scoped so that nothing accumulates (every op's result belongs to the manager of its first
 * input): the session manager, a child of the caller's, holds the encoder output and the cache between steps; each
 * step runs in its own child manager, closed at the next step. Before a step, the arrays it reads first (encoder
 * output, cache) are moved into the step manager, so everything derived from them lands there too; after it, the
 * cache's new arrays move back to the session manager and the replaced ones die with the step.
 */
final class Seq2SeqSession implements DecodingSession {
    private final Seq2SeqLM model;
    private final NDManager session;
    private final ForwardContext ctx;
    private final EncoderOutput encoder;
    private final DecoderCache cache;
    private final int rows;
    private final int rowsPerInput;
    private final StepObserver observer;
    private NDManager step;
    private int[] pendingParents;

    /**
     * Encodes {@code inputIds} [B, S] with {@code attentionMask} [B, S] and repeats each encoded row
     * {@code rowsPerInput} times (rows b·n … b·n+n-1 belong to input b, as transformers interleaves them).
     */
    Seq2SeqSession(Seq2SeqLM model, ForwardContext caller, NDArray inputIds, NDArray attentionMask, int rowsPerInput,
            boolean useCache, StepObserver observer) {
        this.model = model;
        this.rowsPerInput = rowsPerInput;
        this.observer = observer;
        int batch = (int) inputIds.getShape().get(0);
        this.rows = batch * rowsPerInput;
        this.session = caller.manager().newSubManager();
        // Generation never trains: no dropout, whatever the caller's context says; adapters' hooks (and the caller's
        // row repeat) stay in effect.
        this.ctx = caller.withManager(session).withTraining(false);
        try {
            this.encoder = encode(inputIds, attentionMask);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        this.cache = useCache ? model.newCache() : null;
    }

    private EncoderOutput encode(NDArray inputIds, NDArray attentionMask) {
        try (NDManager scope = session.newSubManager()) {
            // The caller's arrays visit the scope so that the encoder's intermediates land (and die) there.
            inputIds.tempAttach(scope);
            attentionMask.tempAttach(scope);
            EncoderOutput out = model.encode(ctx.withManager(scope), inputIds, attentionMask);
            long[] index = new long[rows];
            for (int r = 0; r < rows; r++) {
                index[r] = r / rowsPerInput;
            }
            NDArray rowIndex = scope.create(index);
            // Copies (never the caller's own mask), kept in the session manager.
            NDArray hidden = out.hidden().get(rowIndex);
            NDArray mask = out.attentionMask().get(rowIndex);
            hidden.attach(session);
            mask.attach(session);
            return new EncoderOutput(hidden, mask);
        }
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

    /** Every row starts with the decoder start token. */
    @Override
    public long[][] startTokens(int newTokens) {
        long[][] t = new long[rows][newTokens + 1];
        for (long[] row : t) {
            row[0] = model.decoderStartTokenId();
        }
        return t;
    }

    @Override
    public int prefixLength() {
        return 1;
    }

    /**
     * Next-token logits [rows, V] after {@code tokens[r][0..length)} (decoder start token included). With the cache
     * only the last token of each row is fed (the earlier ones must be the ones fed before, up to
     * {@link #reorder}); without it the whole prefix is. The result lives until the next step or close.
     */
    @Override
    public NDArray step(long[][] tokens, int length) {
        if (step != null) {
            step.close();
        }
        step = session.newSubManager();
        encoder.hidden().tempAttach(step);
        encoder.attentionMask().tempAttach(step);
        NDArray ids;
        if (cache != null) {
            if (cache.length() != length - 1) {
                throw new IllegalStateException("cache holds " + cache.length() + " positions, step needs "
                        + (length - 1));
            }
            moveCache(step);
            applyReorder();
            long[] last = new long[rows];
            for (int r = 0; r < rows; r++) {
                last[r] = tokens[r][length - 1];
            }
            ids = step.create(last, new Shape(rows, 1));
        } else {
            pendingParents = null;
            long[] all = new long[rows * length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(tokens[r], 0, all, r * length, length);
            }
            ids = step.create(all, new Shape(rows, length));
        }
        // Decoder rows are input rows repeated rowsPerInput times: per-input-row hooks map row r to r / rowRepeat.
        NDArray logits = model.decode(ctx.withManager(step).withRowRepeat(rowsPerInput), encoder, ids, cache);
        if (cache != null) {
            moveCache(session);
        }
        NDArray next = logits.get(":, -1, :");
        if (observer != null) {
            observer.onStep(length - 1, next);
        }
        return next;
    }

    /** Row {@code i} continues the sequence of row {@code parents[i]} from the next step on (beam search). */
    @Override
    public void reorder(int[] parents) {
        pendingParents = DecodingSession.reordering(parents);
    }

    private void applyReorder() {
        if (pendingParents == null) {
            return;
        }
        long[] index = new long[rows];
        // The cross-attention keys/values are the same for all rows of one input, so they need reordering only
        // when a row takes a parent from another input.
        boolean withinInput = true;
        for (int r = 0; r < rows; r++) {
            index[r] = pendingParents[r];
            withinInput &= pendingParents[r] / rowsPerInput == r / rowsPerInput;
        }
        NDArray idx = step.create(index);
        for (int l = 0; l < model.numDecoderLayers(); l++) {
            if (cache.selfKey(l) != null) {
                cache.setSelf(l, cache.selfKey(l).get(idx), cache.selfValue(l).get(idx));
            }
            if (!withinInput && cache.crossKey(l) != null) {
                cache.setCross(l, cache.crossKey(l).get(idx), cache.crossValue(l).get(idx));
            }
        }
        pendingParents = null;
    }

    private void moveCache(NDManager target) {
        for (int l = 0; l < model.numDecoderLayers(); l++) {
            attach(cache.selfKey(l), target);
            attach(cache.selfValue(l), target);
            attach(cache.crossKey(l), target);
            attach(cache.crossValue(l), target);
        }
    }

    private static void attach(NDArray a, NDManager target) {
        if (a != null) {
            a.attach(target);
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
