package org.pefttrainer.eval.evaluate;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.chat.ChatPrompts;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelHooks;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.BootstrapSettings;

/**
 * Dataset → predictions → ROUGE: renders each example through the prompt template, generates summaries in batches
 * (sorted by length so batches carry little padding, results returned in input order), and scores them against
 * the example's references as rouge_score's score_multi does, with bootstrap intervals.
 */
public final class Evaluator {
    /** How to evaluate: input truncation, generation batch size and decoding, ROUGE stemming and bootstrap. */
    public record Settings(int maxSourceLength, int batchSize, GenerationConfig generation, boolean useStemmer,
            BootstrapSettings bootstrap, java.util.Set<TextMetrics.Family> metrics) {

        /** ROUGE only (the settings of before BLEU and exact match). */
        public Settings(int maxSourceLength, int batchSize, GenerationConfig generation, boolean useStemmer,
                BootstrapSettings bootstrap) {
            this(maxSourceLength, batchSize, generation, useStemmer, bootstrap,
                    java.util.EnumSet.of(TextMetrics.Family.ROUGE));
        }
    }

    private final LanguageModel model;
    private final HfTokenizer tokenizer;
    private final PromptTemplate template;
    private final Settings settings;
    private final TextMetrics scorer;
    private final ChatPrompts chat;

    public Evaluator(LanguageModel model, HfTokenizer tokenizer, PromptTemplate template, Settings settings) {
        this(model, tokenizer, template, settings, null);
    }

    /** @param chat data.chat's prompts (the chat template's rendering), or null for the prompt template's text */
    public Evaluator(LanguageModel model, HfTokenizer tokenizer, PromptTemplate template, Settings settings,
            ChatPrompts chat) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.settings = settings;
        this.scorer = new TextMetrics(settings.metrics(), settings.useStemmer(), settings.bootstrap());
        this.chat = chat;
    }

    /** The ids generation starts from: as training saw its prompts (data.chat: the rendered chat, no added specials). */
    private long[] prompt(Example e) {
        if (chat == null) {
            return tokenizer.generationPrompt(template.render(e), model.taskType(), settings.maxSourceLength());
        }
        String text = chat.prompt(e);
        int cut = chat.cutPoint(text, e);
        int[] ids = ChatPrompts.fit(tokenizer.encodeWithoutSpecialTokens(text.substring(0, cut)),
                tokenizer.encodeWithoutSpecialTokens(text.substring(cut)), settings.maxSourceLength());
        return java.util.Arrays.stream(ids).asLongStream().toArray();
    }

    /**
     * How {@link #evaluate} batches: every example's prompt ids, and batches of example indices in order of prompt
     * length (ties by index). A distributed evaluation runs the same batches elsewhere and gets the same text.
     */
    public record Plan(long[][] prompts, List<int[]> batches) {
        /** The prompt ids of the examples in {@code batch}, in the batch's order. */
        public List<long[]> promptsOf(int[] batch) {
            List<long[]> out = new ArrayList<>(batch.length);
            for (int i : batch) {
                out.add(prompts[i]);
            }
            return out;
        }
    }

    public Plan plan(List<Example> examples) {
        int n = examples.size();
        long[][] sources = new long[n][];
        for (int i = 0; i < n; i++) {
            sources[i] = prompt(examples.get(i));
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> sources[i].length).thenComparingInt(i -> i));
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < n; start += settings.batchSize()) {
            int end = Math.min(n, start + settings.batchSize());
            int[] batch = new int[end - start];
            for (int k = start; k < end; k++) {
                batch[k - start] = order[k];
            }
            batches.add(batch);
        }
        return new Plan(sources, batches);
    }

    /** One batch's generated text (stripped), in the batch's order, and how many tokens were generated. */
    public record BatchOutput(String[] predictions, long generatedTokens) {}

    /** Generates from {@code prompts} (one planned batch) with the adapter hooks under {@code parent}. */
    public BatchOutput generate(List<long[]> prompts, NDManager parent, ModelHooks hooks) {
        String[] out = new String[prompts.size()];
        long generated = 0;
        try (NDManager m = parent.newSubManager()) {
            ForwardContext ctx = hooks.attach(new ForwardContext(m, false, null, null));
            GenerationResult r = TextGenerator.of(model).generate(ctx, prompts, settings.generation());
            for (int k = 0; k < out.length; k++) {
                long[] tokens = r.best(k).tokens();
                generated += tokens.length;
                out[k] = tokenizer.decode(tokens).strip();
            }
        }
        return new BatchOutput(out, generated);
    }

    /**
     * Evaluates {@code examples} with the given adapter hooks; {@code progress} receives the number of examples done
     * after each batch.
     */
    public EvalResult evaluate(List<Example> examples, NDManager parent, ModelHooks hooks,
            IntConsumer progress) {
        return evaluate(examples, parent, BatchAdapters.of(hooks), progress);
    }

    /** As above, each batch with the adapters its rows name ({@link Example#adapter()}). */
    public EvalResult evaluate(List<Example> examples, NDManager parent, BatchAdapters adapters,
            IntConsumer progress) {
        long t0 = System.nanoTime();
        Plan plan = plan(examples);
        String[] predictions = new String[examples.size()];
        long generated = 0;
        int done = 0;
        for (int[] batch : plan.batches()) {
            BatchOutput r;
            try (BatchAdapters.Hooks hooks = adapters.open(rowAdapters(examples, batch))) {
                r = generate(plan.promptsOf(batch), parent, hooks);
            }
            for (int k = 0; k < batch.length; k++) {
                predictions[batch[k]] = r.predictions()[k];
            }
            generated += r.generatedTokens();
            done += batch.length;
            if (progress != null) {
                progress.accept(done);
            }
        }
        return score(examples, predictions, (System.nanoTime() - t0) / 1e9, generated);
    }

    /** The adapter each example of {@code batch} names (null: the run's). */
    public static List<String> rowAdapters(List<Example> examples, int[] batch) {
        List<String> names = new ArrayList<>(batch.length);
        for (int i : batch) {
            names.add(examples.get(i).adapter().orElse(null));
        }
        return names;
    }

    /** Scores {@code predictions} (in example order) against the examples' references. */
    public EvalResult score(List<Example> examples, String[] predictions, double seconds, long generated) {
        int n = examples.size();
        List<Prediction> out = new ArrayList<>(n);
        List<TextMetrics.ExampleScores> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TextMetrics.ExampleScores s = scorer.score(predictions[i], examples.get(i).references());
            all.add(s);
            out.add(new Prediction(examples.get(i), predictions[i], s));
        }
        return new EvalResult(out, scorer.summarize(all), seconds, generated);
    }
}
