package org.pefttrainer.core.model.init;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.Architectures;
import org.pefttrainer.core.model.ModelLayout;

/**
 * Random decoder-only model folders (Llama, Qwen2, GPT-2) in Hugging Face format: a tiny preset per family, or the
 * shapes of a real config.json (../shared/models holds smollm2-135m, llama-3.2-1b, qwen2.5-0.5b, gpt2). Weights are
 * drawn as transformers initialises them (normal, std initializer_range; norms 1, biases 0); the special ids are
 * set to the tokenizer's (pad 0, bos = eos 1 as in GPT-2), and the vocabulary grows to the tokenizer's if smaller.
 */
public final class CausalInitializer {
    public static final List<String> ARCHS = List.of("llama", "qwen2", "gpt2");

    private CausalInitializer() {}

    /** The tiny preset of {@code arch}: a few hundred thousand parameters, for smoke runs. */
    public static ObjectNode tinyConfig(String arch, int vocab) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        switch (arch) {
            case "llama", "qwen2" -> {
                c.put("model_type", arch);
                c.putArray("architectures").add(arch.equals("qwen2") ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
                c.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 2)
                        .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 512)
                        .put("rms_norm_eps", 1e-6).put("rope_theta", arch.equals("qwen2") ? 1000000.0 : 10000.0)
                        .put("hidden_act", "silu").put("tie_word_embeddings", arch.equals("qwen2"))
                        .put("initializer_range", 0.02);
            }
            case "gpt2" -> {
                c.put("model_type", "gpt2");
                c.putArray("architectures").add("GPT2LMHeadModel");
                c.put("n_embd", 64).put("n_layer", 2).put("n_head", 4).put("n_positions", 512)
                        .put("activation_function", "gelu_new").put("layer_norm_epsilon", 1e-5)
                        .put("initializer_range", 0.02);
            }
            default -> throw new UserException("--arch " + arch + " is not supported (t5, " + String.join(", ", ARCHS)
                    + ")");
        }
        c.put("vocab_size", vocab);
        return c;
    }

    /**
     * Writes {@code out} from {@code config} (a config.json object of a causal family) with a word-level
     * tokenizer built from {@code corpus}. Returns the written config.
     */
    public static ObjectNode initialize(Path out, ObjectNode config, ModelInitializer.TokenizerSource tokenizer,
                                        long seed, DType dtype, long maxShardBytes, boolean force) {
        ModelInitializer.BuiltTokenizer built = tokenizer.make();
        ObjectNode tokenizerJson = built.json();
        int tokenizerVocab = built.vocabSize();
        ObjectNode c = config.deepCopy();
        c.put("vocab_size", Math.max(c.path("vocab_size").asInt(0), tokenizerVocab));
        c.put("pad_token_id", 0).put("bos_token_id", 1).put("eos_token_id", 1);
        c.put("torch_dtype", "float32");
        ModelLayout layout = Architectures.of(c, Path.of("config.json")).layout(c, Path.of("config.json"));
        double std = c.path("initializer_range").asDouble(0.02);
        List<HfCheckpointWriter.Tensor> tensors = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, long[]> e : layout.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            long seedOf = seed * 1_000_003L + k++;
            tensors.add(new HfCheckpointWriter.Tensor(name, shape, () -> values(name, shape, std, seedOf)));
        }
        OutputTarget.folder(out, "--out", OutputTarget.Kind.MODEL, force, List.of()).writeFolder(tmp -> {
            Json.write(tmp.resolve(HfModelFolder.CONFIG), c);
            HfCheckpointWriter.write(tmp, tensors, dtype, maxShardBytes);
            Json.write(tmp.resolve(HfModelFolder.TOKENIZER), tokenizerJson);
            Json.write(tmp.resolve("tokenizer_config.json"), Json.MAPPER.createObjectNode()
                    .put("tokenizer_class", "PreTrainedTokenizerFast").put("pad_token", "<pad>")
                    .put("eos_token", "</s>").put("bos_token", "</s>").put("unk_token", "<unk>"));
            Json.write(tmp.resolve(HfModelFolder.GENERATION_CONFIG), Json.MAPPER.createObjectNode()
                    .put("bos_token_id", 1).put("eos_token_id", 1).put("pad_token_id", 0));
        });
        return c;
    }

    /** Norm weights 1, biases 0, everything else normal(0, std) from a per-tensor stream. */
    private static FloatBuffer values(String name, long[] shape, double std, long seed) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean norm = name.contains("norm") || name.contains(".ln_");
        if (norm && name.endsWith(".weight")) {
            java.util.Arrays.fill(v, 1f);
        } else if (!name.endsWith(".bias")) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(r) * std);
            }
        }
        return FloatBuffer.wrap(v);
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A config.json file of a causal family (e.g. ../shared/models/smollm2-135m/config.json). */
    public static ObjectNode configFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserException(file + ": config file not found");
        }
        ObjectNode c = Json.readObject(file);
        Architectures.of(c, file);
        return c;
    }
}
