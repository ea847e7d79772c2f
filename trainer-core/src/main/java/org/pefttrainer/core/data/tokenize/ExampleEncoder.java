package org.pefttrainer.core.data.tokenize;

import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.data.chat.ChatPrompts;
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
    private final ChatPrompts chat;
    private final int maxSourceLength;

    public ExampleEncoder(HfTokenizer tokenizer, PromptTemplate template) {
        this(tokenizer, template, false, null, Integer.MAX_VALUE);
    }

    private ExampleEncoder(HfTokenizer tokenizer, PromptTemplate template, boolean causal, ChatPrompts chat,
            int maxSourceLength) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.causal = causal;
        this.chat = chat;
        this.maxSourceLength = maxSourceLength;
    }

    /**
     * The chat encoding (data.chat): the rendered prompt and the assistant's reply, each tokenized without added
     * special tokens (the template writes them), as transformers' apply_chat_template tokenizes.
     */
    public static ExampleEncoder chat(HfTokenizer tokenizer, ChatPrompts chat, int maxSourceLength) {
        return new ExampleEncoder(tokenizer, null, true, chat, maxSourceLength);
    }

    /** The decoder-only encoding: [prefix (BOS)] + prompt, and the summary without special tokens. */
    public static ExampleEncoder causal(HfTokenizer tokenizer, PromptTemplate template) {
        return new ExampleEncoder(tokenizer, template, true, null, Integer.MAX_VALUE);
    }

    /**
     * A conversation's tokens: the last assistant reply is the target; what comes before is the source, in which
     * the earlier replies are marked as labelled. Each stretch is tokenized on its own, without added specials. A
     * source longer than max_source_length loses the end of its last user message (see
     * {@link ChatPrompts#cutPoint}), never the opening of the reply after it.
     */
    private TokenizedExample chatExample(Example e) {
        List<ChatPrompts.Segment> parts = chat.segments(e);
        int last = -1;
        for (int i = 0; i < parts.size(); i++) {
            last = parts.get(i).assistant() ? i : last;
        }
        StringBuilder promptText = new StringBuilder();
        for (int i = 0; i < last; i++) {
            promptText.append(parts.get(i).text());
        }
        int cut = chat.cutPoint(promptText.toString(), e);
        List<Integer> source = new ArrayList<>();
        List<Boolean> labelled = new ArrayList<>();
        int[] tail = new int[0];
        int offset = 0;
        for (int i = 0; i < last; i++) {
            String text = parts.get(i).text();
            int end = offset + text.length();
            if (i == last - 1 && cut >= offset && cut < end) {
                tail = tokenizer.encodeWithoutSpecialTokens(text.substring(cut - offset));
                text = text.substring(0, cut - offset);
            }
            for (int id : tokenizer.encodeWithoutSpecialTokens(text)) {
                source.add(id);
                labelled.add(parts.get(i).assistant());
            }
            offset = end;
        }
        int[] head = source.stream().mapToInt(Integer::intValue).toArray();
        int[] src = ChatPrompts.fit(head, tail, maxSourceLength);
        boolean[] flags = new boolean[src.length];
        int kept = Math.min(head.length, src.length - Math.min(tail.length, maxSourceLength));
        for (int i = 0; i < kept; i++) {
            flags[i] = labelled.get(i);
        }
        List<Integer> target = new ArrayList<>();
        for (int i = last; i < parts.size(); i++) {
            for (int id : tokenizer.encodeWithoutSpecialTokens(parts.get(i).text())) {
                target.add(id); // the last reply (and any closing text after it)
            }
        }
        boolean anyLabelled = false;
        for (boolean f : flags) {
            anyLabelled |= f;
        }
        return new TokenizedExample(e.id(), src, target.stream().mapToInt(Integer::intValue).toArray(),
                anyLabelled ? flags : null);
    }

    public TokenizedExample encode(Example example) {
        return encodeAll(List.of(example)).get(0);
    }

    /** All examples, in order. */
    public List<TokenizedExample> encodeAll(List<Example> examples) {
        List<TokenizedExample> out = new ArrayList<>(examples.size());
        if (chat != null) {
            for (Example e : examples) {
                out.add(chatExample(e));
            }
            return out;
        }
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
