package org.pefttrainer.core.data.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.SpecialTokens;
import org.pefttrainer.core.model.registry.Architectures;

/**
 * A Hugging Face {@code tokenizer.json} (through DJL's binding of the Rust tokenizers library) plus the special
 * token ids of the model's {@code config.json}. Encoding adds what the tokenizer's post-processor adds (T5:
 * {@code </s>} at the end); the tokenizer's own truncation and padding are off, since {@link
 * org.pefttrainer.core.data.batch.BatchCollator} does both. Loading reads local files only.
 */
public final class HfTokenizer implements AutoCloseable {
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens special;
    private volatile int[] prefix;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, SpecialTokens special) {
        this.tokenizer = tokenizer;
        this.special = special;
    }

    /** Loads {@code modelDir/tokenizer.json} and the special ids of {@code modelDir/config.json}. */
    public static HfTokenizer load(Path modelDir) {
        return load(modelDir.resolve("tokenizer.json"), modelDir.resolve("config.json"));
    }

    /** Loads a tokenizer.json file and the special ids of a config.json file. */
    public static HfTokenizer load(Path tokenizerJson, Path configJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new UserException("tokenizer file " + tokenizerJson + " not found (expected a Hugging Face tokenizer.json)");
        }
        if (!Files.isRegularFile(configJson)) {
            throw new UserException("model config " + configJson + " not found (needed for pad/eos/decoder start ids)");
        }
        com.fasterxml.jackson.databind.JsonNode config = org.pefttrainer.core.io.Json.read(configJson);
        SpecialTokens special = Architectures.of(config, configJson).specialTokens(config, configJson);
        // Outside offline mode DJL's loader probes the network (EC2 metadata); this project never goes online.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS), special);
        } catch (IOException e) {
            throw new UserException("cannot read tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // the native library reports a malformed tokenizer.json as a plain RuntimeException
            throw new UserException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** pad / eos / decoder start ids of config.json, as the model's family reads them. */
    public SpecialTokens specialTokens() {
        return special;
    }

    /** Token ids of {@code text}, special tokens added, untruncated. */
    public int[] encode(String text) {
        return toInts(tokenizer.encode(text).getIds());
    }

    /** Token ids of {@code text} alone, no special tokens (a decoder-only model's summary after its prompt). */
    public int[] encodeWithoutSpecialTokens(String text) {
        return toInts(tokenizer.encode(text, false, false).getIds());
    }

    /**
     * The ids the tokenizer puts before a text (a Llama tokenizer's BOS; none for GPT-2 and the word-level
     * tokenizers of init-model): what encode adds in front of encodeWithoutSpecialTokens. Found once, on first use.
     */
    public int[] prefixIds() {
        int[] p = prefix;
        if (p == null) {
            p = new int[0];
            int[] with = encode("a");
            int[] without = encodeWithoutSpecialTokens("a");
            for (int k = 0; k + without.length <= with.length; k++) {
                if (java.util.Arrays.equals(java.util.Arrays.copyOfRange(with, k, k + without.length), without)) {
                    p = java.util.Arrays.copyOf(with, k);
                    break;
                }
            }
            prefix = p;
        }
        return p.clone();
    }

    /** A decoder-only model's prompt: {@link #prefixIds} (BOS) then the text without special tokens. */
    public int[] encodePrompt(String text) {
        int[] p = prefixIds();
        int[] body = encodeWithoutSpecialTokens(text);
        int[] out = java.util.Arrays.copyOf(p, p.length + body.length);
        System.arraycopy(body, 0, out, p.length, body.length);
        return out;
    }

    /**
     * The ids generation starts from for {@code text}, as training saw its prompts: seq2seq, the text with the
     * tokenizer's specials, cut to {@code maxSourceLength} keeping EOS; causal, [BOS] + the text, its first
     * {@code maxSourceLength} tokens (the continuation is what comes back). Evaluation and serving both use it.
     */
    public long[] generationPrompt(String text, org.pefttrainer.core.model.TaskType task, int maxSourceLength) {
        int[] ids;
        if (task.causal()) {
            int[] prompt = encodePrompt(text);
            ids = java.util.Arrays.copyOf(prompt, Math.min(prompt.length, maxSourceLength));
        } else {
            ids = org.pefttrainer.core.data.batch.BatchCollator.truncate(encode(text), maxSourceLength,
                    special.eosTokenId());
        }
        return java.util.Arrays.stream(ids).asLongStream().toArray();
    }

    /** {@link #encode} for many texts at once (the native library encodes them in parallel). */
    public List<int[]> encodeAll(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        List<int[]> out = new ArrayList<>(encodings.length);
        for (Encoding e : encodings) {
            out.add(toInts(e.getIds()));
        }
        return out;
    }

    /** The tokens (pieces) of {@code text}, special tokens included; for inspection and tests. */
    public List<String> tokens(String text) {
        return List.of(tokenizer.encode(text).getTokens());
    }

    /** Text of {@code ids}, special tokens (pad, eos, ...) skipped. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    /** Text of {@code ids}, special tokens skipped. */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return decode(l);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }
}
