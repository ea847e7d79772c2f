package org.pefttrainer.peft.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.function.Function;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.adapter.AdapterType;

/**
 * Prompt tuning as PEFT 0.13.2's PeftModelForSeq2SeqLM and PeftModelForCausalLM do it: a table of num_virtual_tokens
 * × num_transformer_submodules rows (2N for encoder-decoder models, N for decoder-only ones); forward and generate
 * prepend rows 0..N-1 to the input embeddings (an encoder-decoder's encoder input; a decoder-only model's sequence,
 * see {@link org.pefttrainer.core.model.CausalInputs}) and N ones to the attention mask. An encoder-decoder's rows
 * N..2N-1 are saved with the table but never used, so their gradient is zero; its decoder gets nothing.
 */
public final class SoftPrompt implements Adapter, InputEmbeddingHook {
    /** The one tensor of a prompt-tuning adapter file, [2N, d]. */
    public static final String KEY = "prompt_embeddings";

    private final String name;
    private final PromptTuningConfig config;
    private final NDManager manager;
    private final NDArray table;

    private SoftPrompt(String name, PromptTuningConfig config, NDManager manager, NDArray table) {
        this.name = name;
        this.config = config;
        this.manager = manager;
        this.table = table;
    }

    /** A new soft prompt named "default" (PEFT's name). */
    public static SoftPrompt create(LanguageModel base, PromptTuningConfig config, long seed,
            Function<String, int[]> tokenizer, NDManager manager) {
        return create(DEFAULT_NAME, base, config, seed, tokenizer, manager);
    }

    /**
     * Creates the table per {@code config.promptTuningInit()}, in a child manager of {@code manager}.
     *
     * @param tokenizer only for TEXT: text → token ids exactly as the Hugging Face tokenizer's {@code input_ids},
     *     special tokens included (T5 appends &lt;/s&gt;); may be null otherwise
     */
    public static SoftPrompt create(String name, LanguageModel base, PromptTuningConfig config, long seed,
            Function<String, int[]> tokenizer, NDManager manager) {
        String where = "prompt tuning config";
        PromptTuningConfig c = config.withModelDefaults(base);
        if (c.tokenDim() != base.hiddenSize()) {
            throw new UserException(where + ": token_dim " + c.tokenDim() + " does not match the base model's hidden "
                    + "size " + base.hiddenSize());
        }
        int rows = c.totalVirtualTokens();
        int dim = c.tokenDim();
        float[] values = switch (c.promptTuningInit()) {
            case RANDOM -> PromptInitializer.randomNormal(rows, dim, seed);
            case SAMPLE_VOCAB -> embeddingRows(base, PromptInitializer.sampleVocabIds(rows, vocabRows(base), seed), where);
            case TEXT -> {
                if (tokenizer == null) {
                    throw new IllegalArgumentException("TEXT init needs a tokenizer");
                }
                int[] ids = tokenizer.apply(c.promptTuningInitText());
                yield embeddingRows(base, PromptInitializer.textIds(ids, rows, where), where);
            }
        };
        return build(name, c, values, manager);
    }

    static SoftPrompt build(String name, PromptTuningConfig resolved, float[] values, NDManager parent) {
        NDManager m = parent.newSubManager();
        try {
            NDArray t = NdArrays.createFloat32(m, new Shape(resolved.totalVirtualTokens(), resolved.tokenDim()), values);
            t.setRequiresGradient(true);
            return new SoftPrompt(name, resolved, m, t);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static int vocabRows(LanguageModel base) {
        return (int) base.weights().shape(base.inputEmbeddingName()).get(0);
    }

    /** Copies rows {@code ids} of the frozen input embedding table (row-major [ids.length, d]). */
    private static float[] embeddingRows(LanguageModel base, int[] ids, String where) {
        NDArray embedding = base.weights().get(base.inputEmbeddingName());
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= embedding.getShape().get(0)) {
                throw new UserException(where + ": token id " + ids[i] + " is outside the embedding table (0.."
                        + (embedding.getShape().get(0) - 1) + ")");
            }
            longIds[i] = ids[i];
        }
        try (NDManager tmp = embedding.getManager().newSubManager()) {
            NDArray idx = tmp.create(longIds);
            return Ops.embedding(idx, embedding).toFloatArray();
        }
    }

    @Override
    public NDArray[] apply(NDArray embeddings, NDArray attentionMask, ForwardContext ctx) {
        NDManager m = embeddings.getManager();
        long batch = embeddings.getShape().get(0);
        int n = config.numVirtualTokens();
        long[] ids = new long[(int) batch * n];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                ids[b * n + i] = i;
            }
        }
        // Looked up through the activation-side index array, so the result belongs to the step's manager.
        NDArray prompts = Ops.embedding(m.create(ids, new Shape(batch, n)), table);
        NDArray h = prompts.concat(embeddings, 1);
        NDArray mask;
        if (attentionMask == null) {
            mask = m.ones(new Shape(batch, h.getShape().get(1)), DataType.INT64);
        } else {
            mask = m.ones(new Shape(batch, n), attentionMask.getDataType()).concat(attentionMask, 1);
        }
        return new NDArray[] {h, mask};
    }

    /** The prompt table [N × num_transformer_submodules, d]. */
    public NDArray table() {
        return table;
    }

    public int numVirtualTokens() {
        return config.numVirtualTokens();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AdapterType type() {
        return AdapterType.PROMPT_TUNING;
    }

    @Override
    public PromptTuningConfig config() {
        return config;
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Map.of(KEY, table);
    }

    @Override
    public LinearHook linearHook() {
        return null;
    }

    @Override
    public InputEmbeddingHook inputEmbeddingHook() {
        return this;
    }

    @Override
    public void close() {
        manager.close();
    }
}
