package org.pefttrainer.core.generate;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.HfModelFolder;

/**
 * How to generate: the decoding strategy and its settings, with transformers' GenerationConfig meaning and defaults.
 * The model supplies the EOS, pad and decoder-start ids. Build one with {@link #builder()} (transformers' defaults)
 * or {@link #builder(HfModelFolder)} (defaults, then the folder's generation_config.json); explicit builder calls
 * override both.
 *
 * @param strategy greedy search, beam search or multinomial sampling
 * @param maxNewTokens tokens generated at most per sequence (the decoder start token not counted)
 * @param numBeams beams per input (beam search only)
 * @param lengthPenalty exponent of the length a finished hypothesis' summed log-probability is divided by
 * @param noRepeatNgramSize when positive, no n-gram of this size occurs twice in a sequence (start token included)
 * @param earlyStopping beam search's stopping rule
 * @param temperature divides the logits before sampling
 * @param topK sampling keeps the k most likely tokens (0: off)
 * @param topP sampling keeps the smallest set of most likely tokens whose probability exceeds top_p (1: off)
 * @param numReturnSequences sequences returned per input (≤ numBeams for beam search; independent samples)
 * @param seed seeds sampling, so that equal inputs give equal samples
 * @param useCache decode incrementally with the key/value cache (false re-runs the whole decoder every step)
 * @param ignoreEos never stop at EOS (benchmarks: always generate maxNewTokens)
 * @param maxLength transformers' max_length when it came from generation_config.json without max_new_tokens (0:
 *                  none): a decoder-only model counts its prompt in it, so its generator derives the new tokens from
 *                  it; an encoder-decoder counts the decoder start token, which maxNewTokens (= max_length - 1) holds
 */
public record GenerationConfig(
        Strategy strategy,
        int maxNewTokens,
        int numBeams,
        double lengthPenalty,
        int noRepeatNgramSize,
        EarlyStopping earlyStopping,
        double temperature,
        int topK,
        double topP,
        int numReturnSequences,
        long seed,
        boolean useCache,
        boolean ignoreEos,
        int maxLength) {

    public enum Strategy { GREEDY, BEAM, SAMPLE }

    /** transformers' early_stopping: true, false (a heuristic on the current length) or "never". */
    public enum EarlyStopping {
        /** Stop a batch row as soon as it has num_beams finished hypotheses (early_stopping=True). */
        AT_NUM_BEAMS,
        /** Stop when the best running score divided by the current length cannot beat the worst kept one. */
        HEURISTIC,
        /** Stop only when no better hypothesis is possible (uses max length when length_penalty > 0). */
        NEVER
    }

    public GenerationConfig {
        if (strategy == null || earlyStopping == null) {
            throw new IllegalArgumentException("strategy and earlyStopping must be set");
        }
        check(maxNewTokens >= 1, "max_new_tokens must be at least 1, got " + maxNewTokens);
        check(numBeams >= 1, "num_beams must be at least 1, got " + numBeams);
        check(numReturnSequences >= 1, "num_return_sequences must be at least 1, got " + numReturnSequences);
        check(noRepeatNgramSize >= 0, "no_repeat_ngram_size must be 0 (off) or positive, got " + noRepeatNgramSize);
        check(temperature > 0 && Double.isFinite(temperature), "temperature must be > 0, got " + temperature);
        check(topK >= 0, "top_k must be 0 (off) or positive, got " + topK);
        check(seed >= 0, "seed must be 0 or more, got " + seed);
        check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        check(Double.isFinite(lengthPenalty), "length_penalty must be a finite number, got " + lengthPenalty);
        switch (strategy) {
            case GREEDY:
                check(numReturnSequences == 1, "greedy search returns one sequence per input; num_return_sequences is "
                        + numReturnSequences + " (use beam search or sampling)");
                break;
            case BEAM:
                check(numReturnSequences <= numBeams, "num_return_sequences (" + numReturnSequences
                        + ") must be <= num_beams (" + numBeams + ")");
                break;
            case SAMPLE:
                check(numBeams == 1, "sampling with num_beams > 1 (beam sampling) is not supported; num_beams is "
                        + numBeams);
                break;
            default:
                throw new IllegalStateException();
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new UserException("generation settings: " + message);
        }
    }

    /** The number of decoder rows per input: beams, or independent samples. */
    public int rowsPerInput() {
        switch (strategy) {
            case BEAM: return numBeams;
            case SAMPLE: return numReturnSequences;
            default: return 1;
        }
    }

    /** transformers' GenerationConfig defaults (max_length 20, i.e. 19 new tokens after the decoder start token). */
    public static Builder builder() {
        return new Builder();
    }

    /** transformers' defaults, then the keys of {@code folder}'s generation_config.json when it has one. */
    public static Builder builder(HfModelFolder folder) {
        Builder b = new Builder();
        Optional<JsonNode> json = folder.generationConfig();
        json.ifPresent(j -> b.applyJson(j, folder.dir().resolve(HfModelFolder.GENERATION_CONFIG)));
        return b;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.strategy = strategy;
        b.maxNewTokens = maxNewTokens;
        b.numBeams = numBeams;
        b.lengthPenalty = lengthPenalty;
        b.noRepeatNgramSize = noRepeatNgramSize;
        b.earlyStopping = earlyStopping;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.numReturnSequences = numReturnSequences;
        b.seed = seed;
        b.useCache = useCache;
        b.ignoreEos = ignoreEos;
        b.maxLength = maxLength;
        return b;
    }

    /**
     * Settings in layers: defaults, then a generation_config.json, then explicit calls. Unless {@link #strategy} is
     * called, the strategy follows transformers: do_sample → SAMPLE, else num_beams > 1 → BEAM, else GREEDY.
     */
    public static final class Builder {
        private Strategy strategy;
        private boolean doSample;
        private int maxNewTokens = 19;
        private int numBeams = 1;
        private double lengthPenalty = 1.0;
        private int noRepeatNgramSize;
        private EarlyStopping earlyStopping = EarlyStopping.HEURISTIC;
        private double temperature = 1.0;
        private int topK = 50;
        private double topP = 1.0;
        private int numReturnSequences = 1;
        private long seed;
        private boolean useCache = true;
        private boolean ignoreEos;
        private int maxLength = 20; // transformers' default max_length (decoder-only models count the prompt)

        private Builder() {}

        public Builder strategy(Strategy s) {
            strategy = s;
            return this;
        }

        /** transformers' do_sample: with no explicit strategy, true selects sampling. */
        public Builder doSample(boolean d) {
            doSample = d;
            return this;
        }

        public Builder maxNewTokens(int n) {
            maxNewTokens = n;
            maxLength = 0; // an explicit count wins over generation_config.json's max_length
            return this;
        }

        public Builder numBeams(int n) {
            numBeams = n;
            return this;
        }

        public Builder lengthPenalty(double p) {
            lengthPenalty = p;
            return this;
        }

        public Builder noRepeatNgramSize(int n) {
            noRepeatNgramSize = n;
            return this;
        }

        public Builder earlyStopping(EarlyStopping e) {
            earlyStopping = e;
            return this;
        }

        public Builder temperature(double t) {
            temperature = t;
            return this;
        }

        public Builder topK(int k) {
            topK = k;
            return this;
        }

        public Builder topP(double p) {
            topP = p;
            return this;
        }

        public Builder numReturnSequences(int n) {
            numReturnSequences = n;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder useCache(boolean u) {
            useCache = u;
            return this;
        }

        public Builder ignoreEos(boolean i) {
            ignoreEos = i;
            return this;
        }

        public GenerationConfig build() {
            Strategy s = strategy != null ? strategy
                    : doSample ? Strategy.SAMPLE : numBeams > 1 ? Strategy.BEAM : Strategy.GREEDY;
            return new GenerationConfig(s, maxNewTokens, numBeams, lengthPenalty, noRepeatNgramSize, earlyStopping,
                    temperature, topK, topP, numReturnSequences, seed, useCache, ignoreEos, maxLength);
        }

        /** Reads the transformers GenerationConfig keys we support; others (token ids, bos, ...) are ignored. */
        Builder applyJson(JsonNode j, Path source) {
            JsonKeys k = new JsonKeys(j, source);
            Integer maxLength = k.intOrNull("max_length");
            Integer maxNew = k.intOrNull("max_new_tokens");
            if (maxNew != null) {
                maxNewTokens = maxNew;
                this.maxLength = 0; // max_new_tokens wins, as in transformers
            } else if (maxLength != null) {
                // For an encoder-decoder, max_length counts the decoder start token (transformers' max_length).
                if (maxLength < 2) {
                    throw new UserException(source + ": 'max_length' must be at least 2 (the decoder start token plus "
                            + "one new token), got " + maxLength);
                }
                maxNewTokens = maxLength - 1;
                this.maxLength = maxLength;
            }
            for (GenerationKey key : FILE_KEYS) {
                JsonNode v = j.get(key.key());
                if (v != null && !v.isNull()) {
                    key.set(this, key.readJson(v, source));
                }
            }
            return this;
        }
    }

    /** The keys of generation_config.json read through the one key table, in transformers' order. */
    private static final List<GenerationKey> FILE_KEYS = List.of(GenerationKey.NUM_BEAMS,
            GenerationKey.LENGTH_PENALTY, GenerationKey.NO_REPEAT_NGRAM_SIZE, GenerationKey.EARLY_STOPPING,
            GenerationKey.DO_SAMPLE, GenerationKey.TEMPERATURE, GenerationKey.TOP_K, GenerationKey.TOP_P,
            GenerationKey.NUM_RETURN_SEQUENCES, GenerationKey.USE_CACHE);

    /** max_length and max_new_tokens, which generation_config.json holds beside the table's keys. */
    private record JsonKeys(JsonNode j, Path source) {
        Integer intOrNull(String key) {
            JsonNode v = j.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new UserException(source + ": '" + key + "' must be an integer, got " + v);
            }
            return v.asInt();
        }
    }
}
