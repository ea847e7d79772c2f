package org.pefttrainer.inference;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.generate.GeneratedSequence;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.generate.TokenSink;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.peft.registry.AdapterBatch;
import org.pefttrainer.peft.registry.AdapterRegistry;
import org.pefttrainer.recipes.ModelSession;

/**
 * Text in, text out, on one loaded base model with any number of adapters: the part of {@code generate} and
 * {@code serve} that touches the model. One call generates for a batch of rows, each naming its own adapter (or
 * none), in one mixed-adapter generate call. Calls must come from one thread at a time (the server's worker).
 */
public final class InferenceEngine implements AutoCloseable {
    /**
     * One input row: its adapter (null: the base model), its text, whether that text is a rendered chat prompt (its
     * special tokens are in the text: it is tokenized without adding any, as transformers' apply_chat_template
     * does), and who sees its tokens as they are picked (null: nobody); {@code listener.accept(choice, token)}
     * answers whether that sequence goes on (a stop string ends it).
     */
    public record Row(String adapter, String text, boolean rendered, RowListener listener) {
        public Row(String adapter, String text) {
            this(adapter, text, false, null);
        }
    }

    /**
     * A row's tokens as decoding picks them (beam search, which picks at the end: then, in order): {@code choice}
     * counts the row's sequences (num_return_sequences).
     */
    @FunctionalInterface
    public interface RowListener {
        boolean accept(int choice, long token);
    }

    private final ModelSession session;
    private final AdapterRegistry registry;
    private final TextGenerator generator;
    private final int maxSourceLength;

    public InferenceEngine(ModelSession session, int maxSourceLength) {
        this.session = session;
        this.registry = new AdapterRegistry(session.model(), session.root());
        this.generator = TextGenerator.of(session.model());
        this.maxSourceLength = maxSourceLength;
    }

    /** The most prompt tokens a row keeps (data.max_source_length); /generate cuts longer prompts to it. */
    public int maxSourceLength() {
        return maxSourceLength;
    }

    public AdapterRegistry registry() {
        return registry;
    }

    public ModelSession session() {
        return session;
    }

    public void load(String name, Path dir) {
        registry.load(name, dir);
    }

    /**
     * Generates for every row, in one mixed-adapter call, except that the rows of an adapter that replaces base
     * parameters (modules_to_save, trained biases) run in a call of their own; results in row order.
     */
    public List<Completion> generate(List<Row> rows, GenerationConfig config) {
        java.util.Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            String a = rows.get(i).adapter();
            groups.computeIfAbsent(registry.needsOwnBatch(a) ? a : "", k -> new ArrayList<>()).add(i);
        }
        if (groups.size() == 1) {
            return generateTogether(rows, config);
        }
        Completion[] out = new Completion[rows.size()];
        for (List<Integer> idx : groups.values()) {
            List<Row> part = new ArrayList<>();
            idx.forEach(i -> part.add(rows.get(i)));
            List<Completion> done = generateTogether(part, config);
            for (int k = 0; k < idx.size(); k++) {
                out[idx.get(k)] = done.get(k);
            }
        }
        return java.util.Arrays.asList(out);
    }

    private List<Completion> generateTogether(List<Row> rows, GenerationConfig config) {
        HfTokenizer tokenizer = session.tokenizer();
        List<long[]> ids = new ArrayList<>(rows.size());
        List<String> adapters = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.rendered()) {
                int[] t = tokenizer.encodeWithoutSpecialTokens(r.text());
                ids.add(java.util.Arrays.stream(t, 0, Math.min(t.length, maxSourceLength)).asLongStream().toArray());
            } else {
                ids.add(tokenizer.generationPrompt(r.text(), session.model().taskType(), maxSourceLength));
            }
            adapters.add(r.adapter());
        }
        int perInput = config.rowsPerInput();
        TokenSink sink = (row, token) -> {
            RowListener l = rows.get(row / perInput).listener();
            return l == null || l.accept(row % perInput, token);
        };
        GenerationResult result;
        try (AdapterBatch batch = registry.batch(adapters); NDManager m = session.root().newSubManager()) {
            result = generator.generate(batch.attach(ForwardContext.inference(m)), ids, config, sink);
        }
        if (config.strategy() == GenerationConfig.Strategy.BEAM) {
            // beam search picks its sequences only at the end: its listeners see them then, token by token
            for (int i = 0; i < rows.size(); i++) {
                RowListener l = rows.get(i).listener();
                List<GeneratedSequence> seqs = result.rows().get(i);
                for (int j = 0; l != null && j < seqs.size(); j++) {
                    for (long token : seqs.get(j).tokens()) {
                        if (!l.accept(j, token)) {
                            break;
                        }
                    }
                }
            }
        }
        List<Completion> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<String> texts = new ArrayList<>();
            for (GeneratedSequence s : result.rows().get(i)) {
                texts.add(tokenizer.decode(s.tokens()).strip());
            }
            out.add(new Completion(rows.get(i).adapter(), rows.get(i).text(), texts, result.best(i).length(),
                    rows.size()));
        }
        return out;
    }

    @Override
    public void close() {
        registry.close();
        session.close();
    }
}
