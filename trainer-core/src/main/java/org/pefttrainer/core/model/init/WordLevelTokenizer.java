package org.pefttrainer.core.model.init;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pefttrainer.core.io.Json;

/**
 * Builds a word-level tokenizer.json (Hugging Face tokenizers format) from a text corpus, with T5's special tokens
 * at T5's ids (pad 0, eos 1, unk 2) and a post-processor that appends {@code </s>} as T5's tokenizer does. The
 * pre-tokenizer is tokenizers' "Whitespace" ({@code \w+|[^\w\s]+}), the normalizer lowercases, so the vocabulary
 * counted here is exactly what the runtime tokenizer will see.
 */
public final class WordLevelTokenizer {
    private static final Pattern PIECES = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
    public static final List<String> SPECIALS = List.of("<pad>", "</s>", "<unk>");

    private WordLevelTokenizer() {}

    /** The vocabulary: specials, then words by descending frequency (ties alphabetical), at most {@code maxSize}. */
    public static List<String> vocabulary(Iterable<String> texts, int maxSize) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : texts) {
            Matcher m = PIECES.matcher(t.toLowerCase(Locale.ROOT));
            while (m.find()) {
                counts.merge(m.group(), 1, Integer::sum);
            }
        }
        List<String> words = new ArrayList<>(counts.keySet());
        words.removeAll(SPECIALS);
        words.sort(Comparator.comparing((String w) -> -counts.get(w)).thenComparing(w -> w));
        List<String> vocab = new ArrayList<>(SPECIALS);
        for (String w : words) {
            if (vocab.size() >= maxSize) {
                break;
            }
            vocab.add(w);
        }
        return vocab;
    }

    public static ObjectNode tokenizerJson(List<String> vocab) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIALS.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "NFKC");
        norms.addObject().put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode v = model.putObject("vocab");
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        ids.forEach(v::put);
        model.put("unk_token", "<unk>");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        ObjectNode st = post.putObject("special_tokens").putObject("</s>");
        st.put("id", "</s>");
        st.putArray("ids").add(1);
        st.putArray("tokens").add("</s>");
        root.putNull("decoder");
        return root;
    }
}
