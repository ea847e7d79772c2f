package org.pefttrainer.eval.bleu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BLEU against sacreBLEU's own outputs (tools/reference/make_bleu_cases.py): the 13a tokens of 600 segments (empty
 * and one-word hypotheses, entities, numbers, non-ASCII, odd spaces, 1-3 references) and corpus BLEU of 25 slices.
 */
class BleuSacrebleuTest {
    static JsonNode cases;
    static List<Bleu.SegmentStats> stats = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = BleuSacrebleuTest.class.getResourceAsStream("/bleu/cases.json")) {
            cases = new ObjectMapper().readTree(in);
        }
        for (JsonNode s : cases.get("segments")) {
            stats.add(Bleu.segment(s.get("hypothesis").asText(), texts(s.get("references"))));
        }
    }

    static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out;
    }

    @Test
    void tokenizer13aEqualsSacrebleus() {
        int checked = 0;
        for (JsonNode s : cases.get("segments")) {
            assertEquals(s.get("tokens13a").asText(), Tokenizer13a.tokenize(PythonText.rstrip(s.get("hypothesis")
                    .asText())), s.get("hypothesis").asText());
            List<String> refs = texts(s.get("references"));
            for (int k = 0; k < refs.size(); k++) {
                assertEquals(s.get("references_tokens13a").get(k).asText(),
                        Tokenizer13a.tokenize(PythonText.rstrip(refs.get(k))));
                checked++;
            }
        }
        assertTrue(checked > 1000, "reference lines checked: " + checked);
    }

    @Test
    void corpusBleuEqualsSacrebleuTo1e9() {
        assertTrue(cases.get("segments").size() >= 500);
        int empty = 0;
        int oneWord = 0;
        for (JsonNode s : cases.get("segments")) {
            String h = s.get("hypothesis").asText().strip();
            empty += h.isEmpty() ? 1 : 0;
            oneWord += !h.isEmpty() && !h.contains(" ") ? 1 : 0;
        }
        assertTrue(empty >= 10 && oneWord >= 10, "empty " + empty + ", one word " + oneWord);
        for (JsonNode c : cases.get("corpora")) {
            int from = c.get("from").asInt();
            int to = c.get("to").asInt();
            int[] idx = new int[to - from];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            BleuScore b = Bleu.corpus(stats, idx);
            String where = "segments " + from + ".." + to;
            assertEquals(c.get("score").asDouble(), b.score(), 1e-9, where);
            assertEquals(c.get("bp").asDouble(), b.bp(), 1e-12, where);
            assertEquals(c.get("sys_len").asLong(), b.sysLen(), where);
            assertEquals(c.get("ref_len").asLong(), b.refLen(), where);
            assertArrayEquals(longs(c.get("counts")), b.correct(), where);
            assertArrayEquals(longs(c.get("totals")), b.total(), where);
            for (int n = 0; n < Bleu.MAX_ORDER; n++) {
                assertEquals(c.get("precisions").get(n).asDouble(), b.precisions()[n], 1e-9, where + " p" + (n + 1));
            }
        }
    }

    @Test
    void handWorkedExample() {
        // hyp "the cat sat on the mat" vs ref "the cat is on the mat": 1-grams 5/6, 2-grams 3/5, 3-grams 1/4,
        // 4-grams 0/3 -> exp smoothing: 100/(2*3); c = r = 6, BP 1.
        BleuScore b = Bleu.corpus(List.of(Bleu.segment("the cat sat on the mat", List.of("the cat is on the mat"))));
        double expected = Math.exp((Math.log(500.0 / 6) + Math.log(60.0) + Math.log(25.0) + Math.log(100.0 / 6)) / 4);
        assertEquals(expected, b.score(), 1e-12);
        assertEquals(0.0, Bleu.corpus(List.of(Bleu.segment("", List.of("a b c")))).score());
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}
