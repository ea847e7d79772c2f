package org.pefttrainer.core.data.tokenize;

import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.batch.TokenizedExample;

/**
 * Examples → token ids: the source is the prompt template applied to the example, the target its first reference.
 * For an encoder-decoder both carry the tokenizer's special tokens (T5: a closing {@code </s>}); for a decoder-only
 * model ({@link #causal}) the prompt carries only what the tokenizer puts in front (BOS), and the summary none: the
 * collator appends EOS after it.
 */
public final class ExampleEncoder {
    /** Texts per native batchEncode call: big enough to use all cores, small enough to bound memory. */
    private static final int CHUNK = 1024;

    private final HfTokenizer tokenizer;
    private final PromptTemplate template;
    private final boolean causal;

    public ExampleEncoder(HfTokenizer tokenizer, PromptTemplate template) {
        this(tokenizer, template, false);
    }

    private ExampleEncoder(HfTokenizer tokenizer, PromptTemplate template, boolean causal) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.causal = causal;
    }

    /** The decoder-only encoding: [prefix (BOS)] + prompt, and the summary without special tokens. */
    public static ExampleEncoder causal(HfTokenizer tokenizer, PromptTemplate template) {
        return new ExampleEncoder(tokenizer, template, true);
    }

    public TokenizedExample encode(Example example) {
        return encodeAll(List.of(example)).get(0);
    }

    /** All examples, in order. */
    public List<TokenizedExample> encodeAll(List<Example> examples) {
        List<TokenizedExample> out = new ArrayList<>(examples.size());
        for (int from = 0; from < examples.size(); from += CHUNK) {
            List<Example> part = examples.subList(from, Math.min(examples.size(), from + CHUNK));
            List<String> sources = new ArrayList<>(part.size());
            List<String> targets = new ArrayList<>(part.size());
            for (Example e : part) {
                sources.add(template.render(e));
                targets.add(e.target());
            }
            List<int[]> src;
            List<int[]> tgt;
            if (causal) {
                src = new ArrayList<>();
                tgt = new ArrayList<>();
                for (int i = 0; i < sources.size(); i++) {
                    src.add(tokenizer.encodePrompt(sources.get(i)));
                    tgt.add(tokenizer.encodeWithoutSpecialTokens(targets.get(i)));
                }
            } else {
                src = tokenizer.encodeAll(sources);
                tgt = tokenizer.encodeAll(targets);
            }
            for (int i = 0; i < part.size(); i++) {
                out.add(new TokenizedExample(part.get(i).id(), src.get(i), tgt.get(i)));
            }
        }
        return out;
    }
}
