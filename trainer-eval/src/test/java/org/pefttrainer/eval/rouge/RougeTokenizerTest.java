package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RougeTokenizerTest {

    /** Tokens from rouge_score's tokenize.tokenize (tools/reference/make_rouge_edge_cases.py). */
    @Test
    void matchesRougeScoreTokenizer() {
        RougeTokenizer plain = new RougeTokenizer(false);
        RougeTokenizer stemming = new RougeTokenizer(true);
        List<JsonNode> cases = SharedReference.resourceJsonLines("tokenizer_cases.jsonl");
        assertEquals(true, cases.size() > 300, "tokenizer cases: " + cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").textValue();
            assertEquals(strings(c.get("tokens")), plain.tokenize(text), () -> "text: " + text);
            assertEquals(strings(c.get("stemmed_tokens")), stemming.tokenize(text), () -> "stemmed text: " + text);
        }
    }

    @Test
    void splitsLinesOnNewlineOnlyAndKeepsTokenlessLines() {
        RougeTokenizer t = new RougeTokenizer(false);
        // rouge_score: text.split("\n"), drop "" lines; "\r" is a token separator, not a line break.
        assertEquals(List.of(List.of("a", "b"), List.of(), List.of("c", "d")), t.tokenizeLines("A b\r\n \n\nc\rd\n"));
        assertEquals(List.of(), t.tokenizeLines(""));
        assertEquals(List.of(), t.tokenizeLines("\n\n"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }
}
