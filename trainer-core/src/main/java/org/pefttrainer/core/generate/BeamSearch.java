package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * transformers 4.33 beam_search with BeamSearchScorer, step by step. Lengths count the session's prefix: the decoder
 * start token, or a decoder-only model's prompt. transformers 4.33 counts a prompt's left padding too, so a row's
 * beams there depend on the widest prompt of its batch; here the padding is left out, which gives every row what
 * transformers gives its prompt alone (tested), whatever it is batched with:
 * <ol>
 *   <li>scores = log_softmax(logits), then the no-repeat-n-gram ban (-inf) on those log-probabilities, plus each
 *   beam's running score (fp32, on the tensor side); running scores start at 0 for beam 0 and -1e9 for the others,
 *   so the first step expands beam 0 only;</li>
 *   <li>per input row, the top 2·num_beams of the flattened (beam, vocab) scores, best first;</li>
 *   <li>walking them in rank order: an EOS candidate becomes a finished hypothesis (its tokens without the EOS,
 *   scored sum/len^length_penalty) only when its rank is below num_beams, otherwise it is skipped; any other
 *   candidate becomes the next running beam until num_beams are chosen;</li>
 *   <li>the row is done once its hypotheses say so ({@link BeamHypotheses#isDone} with the step's best candidate
 *   score and the length after this step); a done row's beams continue as pad with score 0 and are ignored;</li>
 *   <li>stop when every row is done or max_new_tokens were generated; then (finalize) every running beam of a row
 *   not done is offered to its hypotheses with its running score, and the num_return_sequences best are returned,
 *   with EOS appended to those that ended with EOS.</li>
 * </ol>
 */
final class BeamSearch {
    private static final float NOT_FIRST_BEAM = -1e9f;

    private final GenerationConfig config;
    private final SpecialTokens ids;
    private final NoRepeatNGram noRepeat;

    BeamSearch(GenerationConfig config, SpecialTokens ids) {
        this.config = config;
        this.ids = ids;
        this.noRepeat = new NoRepeatNGram(config.noRepeatNgramSize());
    }

    List<List<GeneratedSequence>> run(DecodingSession session) {
        int beams = config.numBeams();
        int rows = session.rows();
        int inputs = rows / beams;
        int candidates = 2 * beams;
        int prefix = session.prefixLength();
        int maxLength = prefix + config.maxNewTokens();
        int vocab = session.vocabSize();

        long[][] tokens = session.startTokens(config.maxNewTokens());
        float[] beamScores = new float[rows];
        for (int r = 0; r < rows; r++) {
            beamScores[r] = r % beams == 0 ? 0f : NOT_FIRST_BEAM;
        }
        BeamHypotheses[] hyps = new BeamHypotheses[inputs];
        boolean[] done = new boolean[inputs];
        int[] padding = new int[inputs];
        for (int b = 0; b < inputs; b++) {
            padding[b] = session.padding(b);
            hyps[b] = new BeamHypotheses(beams, config.lengthPenalty(), config.earlyStopping(), maxLength - padding[b]);
        }

        int length = prefix;
        while (true) {
            NDArray logits = session.step(tokens, length);
            NDArray logProbs = noRepeat.apply(logits.logSoftmax(1), tokens, length);
            NDArray running = logits.getManager().create(beamScores).expandDims(1);
            NDArray scores = logProbs.add(running).reshape(inputs, (long) beams * vocab);
            NDList top = scores.topK(candidates, 1, true, true);
            float[] topScores = top.get(0).toFloatArray();
            long[] topIndex = top.get(1).toLongArray();

            float[] nextScores = new float[rows];
            long[] nextTokens = new long[rows];
            int[] parents = new int[rows];
            for (int b = 0; b < inputs; b++) {
                if (done[b]) {
                    for (int j = 0; j < beams; j++) {
                        int r = b * beams + j;
                        nextScores[r] = 0f;
                        nextTokens[r] = ids.padTokenId();
                        // transformers points done rows at row 0; any row of the same input does as well (their
                        // state is never read again) and keeps the cross-attention cache row-local.
                        parents[r] = b * beams;
                    }
                    continue;
                }
                int chosen = 0;
                for (int rank = 0; rank < candidates && chosen < beams; rank++) {
                    int c = b * candidates + rank;
                    long token = topIndex[c] % vocab;
                    int parent = b * beams + (int) (topIndex[c] / vocab);
                    if (!config.ignoreEos() && ids.isEos(token)) {
                        if (rank < beams) {
                            hyps[b].add(Arrays.copyOf(tokens[parent], length), length - padding[b], topScores[c],
                                    true);
                        }
                    } else {
                        int r = b * beams + chosen++;
                        nextScores[r] = topScores[c];
                        nextTokens[r] = token;
                        parents[r] = parent;
                    }
                }
                if (chosen < beams) {
                    throw new IllegalStateException("beam search: fewer than " + beams + " non-EOS candidates");
                }
                done[b] = hyps[b].isDone(topScores[b * candidates], length + 1 - padding[b]);
            }

            long[][] next = new long[rows][];
            for (int r = 0; r < rows; r++) {
                next[r] = tokens[parents[r]].clone();
                next[r][length] = nextTokens[r];
            }
            tokens = next;
            beamScores = nextScores;
            session.reorder(parents);
            length++;
            if (allTrue(done) || length >= maxLength) {
                break;
            }
        }

        List<List<GeneratedSequence>> out = new ArrayList<>(inputs);
        for (int b = 0; b < inputs; b++) {
            if (!done[b]) {
                for (int j = 0; j < beams; j++) {
                    int r = b * beams + j;
                    hyps[b].add(Arrays.copyOf(tokens[r], length), length - padding[b], beamScores[r], false);
                }
            }
            List<GeneratedSequence> seqs = new ArrayList<>();
            for (BeamHypotheses.Hypothesis h : hyps[b].best(config.numReturnSequences())) {
                long[] t = h.tokens();
                long[] gen = Arrays.copyOfRange(t, prefix, t.length + (h.endsWithEos() ? 1 : 0));
                if (h.endsWithEos()) {
                    gen[gen.length - 1] = ids.eosTokenId();
                }
                seqs.add(new GeneratedSequence(gen, h.score()));
            }
            out.add(seqs);
        }
        return out;
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean x : a) {
            if (!x) {
                return false;
            }
        }
        return true;
    }
}
