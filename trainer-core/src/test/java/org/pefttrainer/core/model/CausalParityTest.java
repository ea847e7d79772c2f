package org.pefttrainer.core.model;

import org.pefttrainer.core.model.registry.Architectures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;

/**
 * Logits of transformers 4.33.2's LlamaForCausalLM and GPT2LMHeadModel (tools/reference/make_causal_fixtures.py),
 * each folder loaded through the model_type registry: grouped-query attention, untied and tied heads, linear and
 * dynamic RoPE scaling, a Qwen2 model (biased q/k/v), GPT-2 with and without the "transformer." prefix, a
 * left-padded row with generate()'s position ids; and the KV-cache path token by token equal to the full pass.
 */
class CausalParityTest {
    static final Path CASES = Path.of("src/test/resources/reference/causal");

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-linear", "llama-dynamic", "qwen2", "gpt2", "gpt2-hub"})
    void logitsEqualTransformers(String name) {
        Path dir = CASES.resolve(name);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader out = SafetensorsReader.open(dir.resolve("outputs.safetensors"))) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            assertEquals(name.startsWith("gpt2") ? "GPT2LMHeadModel" : name.equals("qwen2") ? "Qwen2ForCausalLM"
                    : "LlamaForCausalLM", model.architecture());
            NDArray ids = matrix(m, in.get("input_ids"));
            NDArray mask = matrix(m, in.get("attention_mask"));
            NDArray pos = matrix(m, in.get("position_ids"));
            float[] ours = model.forward(ForwardContext.inference(m), ids, mask, pos, null).toFloatArray();
            float[] ref = out.readAsFloat32("logits");
            assertEquals(ref.length, ours.length);
            long[] maskValues = mask.toLongArray();
            int vocab = model.vocabSize();
            double maxRef = 0;
            double maxDiff = 0;
            for (int i = 0; i < ref.length; i++) {
                if (maskValues[i / vocab] == 0) {
                    continue; // padding positions: no one reads them
                }
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
                maxDiff = Math.max(maxDiff, Math.abs(ref[i] - ours[i]));
            }
            assertTrue(maxRef > 1, "the logits are not trivial: " + maxRef);
            assertTrue(maxDiff <= 1e-5 * maxRef, name + ": max |diff| " + maxDiff + " (largest logit " + maxRef + ")");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "qwen2", "gpt2"})
    void theKvCacheGivesTheFullPassLogits(String name) {
        Path dir = CASES.resolve(name);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            NDArray ids = matrix(m, in.get("input_ids"));
            NDArray mask = matrix(m, in.get("attention_mask"));
            NDArray pos = matrix(m, in.get("position_ids"));
            ForwardContext ctx = ForwardContext.inference(m);
            NDArray full = model.forward(ctx, ids, mask, pos, null);
            int len = (int) ids.getShape().get(1);
            DecoderCache cache = model.newCache();
            int prefix = 5;
            NDArray first = model.forward(ctx, ids.get(":, :" + prefix), mask.get(":, :" + prefix),
                    pos.get(":, :" + prefix), cache);
            // row 0 only for the prefix: row 1's first positions are padding, whose outputs no one reads
            assertClose(full.get("0:1, :" + prefix + ", :"), first.get("0:1"), name + " prefix");
            for (int t = prefix; t < len; t++) {
                NDArray step = model.forward(ctx, ids.get(":, " + t + ":" + (t + 1)), mask.get(":, :" + (t + 1)),
                        pos.get(":, " + t + ":" + (t + 1)), cache);
                assertClose(full.get(":, " + t + ":" + (t + 1) + ", :"), step, name + " step " + t);
            }
            assertEquals(len, cache.length());
            if (model instanceof org.pefttrainer.core.model.llama.LlamaModel llama) {
                // the cache keeps the key/value heads only (GQA): [B, num_key_value_heads, T, head_dim]
                assertEquals(new Shape(2, llama.config().numKeyValueHeads(), len, llama.config().headDim()),
                        cache.selfKey(0).getShape());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "qwen2", "gpt2"})
    void greedyGenerationOfALeftPaddedBatchEqualsTransformers(String name) {
        Path dir = CASES.resolve(name);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        JsonNode gen = Json.read(dir.resolve("generate.json"));
        int width = gen.get("prompt_width").asInt();
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            // the prompts without their left padding: the generator pads them again
            java.util.List<long[]> prompts = new java.util.ArrayList<>();
            for (int r = 0; r < 2; r++) {
                java.util.List<Long> p = new java.util.ArrayList<>();
                for (int j = 0; j < width; j++) {
                    if (in.get("attention_mask").get(r).get(j).asInt() == 1) {
                        p.add(in.get("input_ids").get(r).get(j).asLong());
                    }
                }
                prompts.add(p.stream().mapToLong(Long::longValue).toArray());
            }
            for (String kase : new String[] {"greedy", "no_repeat_2"}) {
                for (boolean cache : new boolean[] {true, false}) {
                    org.pefttrainer.core.generate.GenerationConfig cfg = org.pefttrainer.core.generate.GenerationConfig
                            .builder().maxNewTokens(8).noRepeatNgramSize(kase.equals("greedy") ? 0 : 2).useCache(cache)
                            .build();
                    org.pefttrainer.core.generate.GenerationResult r = org.pefttrainer.core.generate.TextGenerator
                            .of(model).generate(ForwardContext.inference(m), prompts, cfg);
                    for (int row = 0; row < 2; row++) {
                        JsonNode want = gen.get("cases").get(kase).get(row);
                        java.util.List<Long> cont = new java.util.ArrayList<>();
                        for (int j = width; j < want.size(); j++) {
                            cont.add(want.get(j).asLong());
                        }
                        // transformers pads a finished row with pad_token_id after its EOS
                        int eos = cont.indexOf((long) model.eosTokenId());
                        if (eos >= 0) {
                            cont = cont.subList(0, eos + 1);
                        }
                        assertEquals(cont.toString(), java.util.Arrays.toString(r.best(row).tokens()).replace(" ", "")
                                .replace(",", ", ").replace("[", "[").replace("]", "]"),
                                name + " " + kase + " cache=" + cache + " row " + row);
                    }
                }
            }
        }
    }

    /**
     * Beam search of the left-padded batch in four settings (beams, returned sequences, length penalty, early
     * stopping, an EOS that is hit): each row's sequences and scores equal transformers' generate() for its prompt
     * alone, with and without the KV cache (transformers 4.33's own batched scores count the padding; see
     * BeamSearch). An EOS other than config.json's is set by a copy of the folder with that eos_token_id.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "qwen2", "gpt2"})
    void beamSearchOfALeftPaddedBatchEqualsTransformers(String name, @org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path dir = CASES.resolve(name);
        JsonNode in = Json.read(dir.resolve("inputs.json"));
        JsonNode gen = Json.read(dir.resolve("generate.json"));
        int width = gen.get("prompt_width").asInt();
        java.util.List<long[]> prompts = unpadded(in, width);
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.Iterator<java.util.Map.Entry<String, JsonNode>> cases = gen.get("beam").fields();
            int checked = 0;
            while (cases.hasNext()) {
                java.util.Map.Entry<String, JsonNode> kase = cases.next();
                JsonNode set = kase.getValue().get("settings");
                Path folder = dir;
                if (set.has("eos_token_id")) {
                    folder = java.nio.file.Files.createDirectories(tmp.resolve(kase.getKey()));
                    for (String f : new String[] {"model.safetensors", "config.json"}) {
                        java.nio.file.Files.copy(dir.resolve(f), folder.resolve(f));
                    }
                    com.fasterxml.jackson.databind.node.ObjectNode c = Json.readObject(folder.resolve("config.json"));
                    c.put("eos_token_id", set.get("eos_token_id").asInt());
                    Json.write(folder.resolve("config.json"), c);
                }
                CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(folder), m);
                var early = org.pefttrainer.core.generate.GenerationConfig.EarlyStopping.HEURISTIC;
                if (set.has("early_stopping")) {
                    early = set.get("early_stopping").isBoolean()
                            ? org.pefttrainer.core.generate.GenerationConfig.EarlyStopping.AT_NUM_BEAMS
                            : org.pefttrainer.core.generate.GenerationConfig.EarlyStopping.NEVER;
                }
                int returned = set.get("num_return_sequences").asInt();
                for (boolean cache : new boolean[] {true, false}) {
                    org.pefttrainer.core.generate.GenerationConfig cfg = org.pefttrainer.core.generate.GenerationConfig
                            .builder().strategy(org.pefttrainer.core.generate.GenerationConfig.Strategy.BEAM)
                            .maxNewTokens(8).numBeams(set.get("num_beams").asInt()).numReturnSequences(returned)
                            .noRepeatNgramSize(set.path("no_repeat_ngram_size").asInt(0))
                            .lengthPenalty(set.path("length_penalty").asDouble(1.0)).earlyStopping(early)
                            .useCache(cache).build();
                    org.pefttrainer.core.generate.GenerationResult r = org.pefttrainer.core.generate.TextGenerator
                            .of(model).generate(ForwardContext.inference(m), prompts, cfg);
                    for (int row = 0; row < 2; row++) {
                        for (int k = 0; k < returned; k++) {
                            String where = name + " " + kase.getKey() + " cache=" + cache + " row " + row + " #" + k;
                            JsonNode want = kase.getValue().get("alone_continuations").get(row * returned + k);
                            org.pefttrainer.core.generate.GeneratedSequence got = r.rows().get(row).get(k);
                            long[] tokens = got.tokens();
                            // transformers pads the shorter returned sequences with pad_token_id (0)
                            for (int j = 0; j < want.size(); j++) {
                                long expect = want.get(j).asLong();
                                if (j < tokens.length) {
                                    assertEquals(expect, tokens[j], where + " token " + j);
                                } else {
                                    assertEquals(0L, expect, where + ": transformers has more tokens");
                                }
                            }
                            if (row == 0) {
                                // the widest prompt has no padding: transformers' batched beams are the same
                                JsonNode batched = kase.getValue().get("sequences").get(k);
                                for (int j = 0; j < tokens.length; j++) {
                                    assertEquals(batched.get(width + j).asLong(), tokens[j], where + " batched");
                                }
                            }
                            double score = kase.getValue().get("alone_scores").get(row * returned + k).asDouble();
                            assertEquals(score, got.score(), 1e-4, where + " score");
                            checked++;
                        }
                    }
                }
            }
            assertEquals(2 * 2 * (2 + 1 + 3 + 2), checked);
        }
    }

    private static java.util.List<long[]> unpadded(JsonNode in, int width) {
        java.util.List<long[]> prompts = new java.util.ArrayList<>();
        for (int r = 0; r < 2; r++) {
            java.util.List<Long> p = new java.util.ArrayList<>();
            for (int j = 0; j < width; j++) {
                if (in.get("attention_mask").get(r).get(j).asInt() == 1) {
                    p.add(in.get("input_ids").get(r).get(j).asLong());
                }
            }
            prompts.add(p.stream().mapToLong(Long::longValue).toArray());
        }
        return prompts;
    }

    @org.junit.jupiter.api.Test
    void maxLengthCountsThePromptAndAnyListedEosStops(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path src = CASES.resolve("llama-gqa");
        JsonNode in = Json.read(src.resolve("inputs.json"));
        JsonNode gen = Json.read(src.resolve("generate.json"));
        java.util.List<long[]> prompts = java.util.List.of(row(in.get("input_ids").get(0)));
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(src), m);
            // transformers' default max_length 20 with a 12-token prompt: the 8 tokens generate(max_new_tokens=8) gave
            org.pefttrainer.core.generate.GenerationResult r = org.pefttrainer.core.generate.TextGenerator.of(model)
                    .generate(ForwardContext.inference(m), prompts,
                            org.pefttrainer.core.generate.GenerationConfig.builder().build());
            long[] want = java.util.Arrays.copyOfRange(row(gen.get("cases").get("greedy").get(0)), 12, 20);
            org.junit.jupiter.api.Assertions.assertArrayEquals(want, r.best(0).tokens());
            // a config.json listing a second EOS id (as Llama 3 does): generation stops at the first of them
            Path dir = java.nio.file.Files.createDirectories(tmp.resolve("two-eos"));
            for (String f : new String[] {"model.safetensors", "config.json"}) {
                java.nio.file.Files.copy(src.resolve(f), dir.resolve(f));
            }
            com.fasterxml.jackson.databind.node.ObjectNode c = Json.readObject(dir.resolve("config.json"));
            c.putArray("eos_token_id").add(2).add(want[2]);
            Json.write(dir.resolve("config.json"), c);
            CausalLM twoEos = (CausalLM) Architectures.load(HfModelFolder.open(dir), m);
            long[] got = org.pefttrainer.core.generate.TextGenerator.of(twoEos).generate(ForwardContext.inference(m),
                    prompts, org.pefttrainer.core.generate.GenerationConfig.builder().maxNewTokens(8).build()).best(0)
                    .tokens();
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOf(want, 3), got);
            // a prompt that fills max_length: a one-line error naming the way out
            org.pefttrainer.core.UserException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.pefttrainer.core.UserException.class, () -> org.pefttrainer.core.generate.TextGenerator.of(model)
                            .generate(ForwardContext.inference(m), java.util.List.of(new long[25]),
                                    org.pefttrainer.core.generate.GenerationConfig.builder().build()));
            assertTrue(e.getMessage().contains("max_new_tokens"), e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void samplingIsSeededAndTopKOneIsGreedy() {
        Path src = CASES.resolve("llama-gqa");
        JsonNode in = Json.read(src.resolve("inputs.json"));
        JsonNode gen = Json.read(src.resolve("generate.json"));
        java.util.List<long[]> prompts = java.util.List.of(row(in.get("input_ids").get(0)));
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM model = (CausalLM) Architectures.load(HfModelFolder.open(src), m);
            org.pefttrainer.core.generate.TextGenerator g = org.pefttrainer.core.generate.TextGenerator.of(model);
            java.util.function.Function<org.pefttrainer.core.generate.GenerationConfig.Builder, long[]> run = b ->
                    g.generate(ForwardContext.inference(m), prompts, b.maxNewTokens(8).build()).best(0).tokens();
            var sample = org.pefttrainer.core.generate.GenerationConfig.Strategy.SAMPLE;
            // top_k = 1 keeps only the most likely token: sampling must give greedy's (transformers') ids
            long[] greedy = java.util.Arrays.copyOfRange(row(gen.get("cases").get("greedy").get(0)), 12, 20);
            org.junit.jupiter.api.Assertions.assertArrayEquals(greedy, run.apply(
                    org.pefttrainer.core.generate.GenerationConfig.builder().strategy(sample).topK(1).seed(5)));
            long[] a = run.apply(org.pefttrainer.core.generate.GenerationConfig.builder().strategy(sample).topK(0)
                    .temperature(2.0).seed(1));
            long[] b = run.apply(org.pefttrainer.core.generate.GenerationConfig.builder().strategy(sample).topK(0)
                    .temperature(2.0).seed(1));
            long[] c = run.apply(org.pefttrainer.core.generate.GenerationConfig.builder().strategy(sample).topK(0)
                    .temperature(2.0).seed(2));
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, "same seed, same sample");
            assertTrue(!java.util.Arrays.equals(a, c) && !java.util.Arrays.equals(a, greedy),
                    "another seed draws another sample, and a hot one is not greedy");
        }
    }

    private static long[] row(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }

    private static void assertClose(NDArray want, NDArray got, String where) {
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max < 1e-4, where + ": max |diff| " + max);
    }

    static NDArray matrix(NDManager m, JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.matrix(m, rows);
    }
}
