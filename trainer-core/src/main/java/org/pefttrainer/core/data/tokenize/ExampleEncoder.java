package org.pefttrainer.core.data.tokenize;

import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.batch.TokenizedExample;

/** Examples → token ids: the source is the prompt template applied to the example, the target its first reference. */
public final class ExampleEncoder {
    /** Texts per native batchEncode call: big enough to use all cores, small enough to bound memory. */
    private static final int CHUNK = 1024;

    private final HfTokenizer tokenizer;
    private final PromptTemplate template;

    public ExampleEncoder(HfTokenizer tokenizer, PromptTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
    }

    public TokenizedExample encode(Example example) {
        return new TokenizedExample(example.id(), tokenizer.encode(template.render(example)),
                tokenizer.encode(example.target()));
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
            List<int[]> src = tokenizer.encodeAll(sources);
            List<int[]> tgt = tokenizer.encodeAll(targets);
            for (int i = 0; i < part.size(); i++) {
                out.add(new TokenizedExample(part.get(i).id(), src.get(i), tgt.get(i)));
            }
        }
        return out;
    }
}
