package org.pefttrainer.core.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.SharedData;
import org.pefttrainer.core.model.SpecialTokens;
import org.pefttrainer.core.data.batch.TokenizedExample;

/**
 * The real FLAN-T5 tokenizer.json through DJL, against ids from outside this code base. Published ids of the
 * slow (SentencePiece) T5Tokenizer: "The house is wonderful" / "Das Haus ist wunderbar" (ColossalAI's T5 test
 * fixtures), "How old are you?" (Bumblebee's T5 tokenizer test), "Studies have shown ..." (Hasktorch's T5
 * example). The DialogSum-style sentences' ids come from tools/t5_unigram_ids.py, a from-scratch Unigram
 * Viterbi over tokenizer.json's scores, which reproduces all four published lists.
 */
class HfTokenizerTest {
    private static HfTokenizer tok;

    @BeforeAll
    static void load() {
        tok = HfTokenizer.load(SharedData.path("models/flan-t5-small"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void publishedT5Ids() {
        assertArrayEquals(new int[] {13959, 1566, 12, 2968, 10, 37, 629, 19, 1627, 5, 1},
                tok.encode("translate English to German: The house is wonderful."));
        assertArrayEquals(new int[] {644, 4598, 229, 19250, 5, 1}, tok.encode("Das Haus ist wunderbar."));
        assertArrayEquals(new int[] {13959, 1566, 12, 2968, 10, 571, 625, 33, 25, 58, 1},
                tok.encode("translate English to German: How old are you?"));
        assertArrayEquals(new int[] {13959, 1566, 12, 2968, 10, 6536, 43, 2008, 24, 293, 53, 3, 9, 1782, 19, 207, 21,
                25, 1}, tok.encode("translate English to German: Studies have shown that owning a dog is good for you"));
    }

    @Test
    void dialogueStyleIdsFromIndependentUnigram() {
        assertArrayEquals(new int[] {1713, 345, 13515, 536, 4663, 10, 27, 31, 26, 114, 12, 484, 3, 9, 953, 21, 314, 151,
                44, 489, 6366, 30, 1701, 6, 754, 5, 1},
                tok.encode("#Person1#: I'd like to book a table for 4 people at 7 pm on Friday, please."));
        assertArrayEquals(new int[] {1713, 345, 13515, 357, 4663, 805, 7, 3, 9, 1692, 18598, 21, 944, 3740, 5, 1},
                tok.encode("#Person2# buys a blue umbrella for 25 dollars."));
        assertArrayEquals(new int[] {12198, 1635, 1737, 8, 826, 3634, 5, 1},
                tok.encode("Summarize the following conversation."));
        List<int[]> all = tok.encodeAll(List.of("Das Haus ist wunderbar.", "Summarize the following conversation."));
        assertArrayEquals(new int[] {644, 4598, 229, 19250, 5, 1}, all.get(0));
        assertArrayEquals(new int[] {12198, 1635, 1737, 8, 826, 3634, 5, 1}, all.get(1));
    }

    @Test
    void decodeSkipsSpecialTokens() {
        assertEquals("The house is wonderful.", tok.decode(new long[] {0, 37, 629, 19, 1627, 5, 1, 0, 0}));
        assertEquals("#Person2# buys a blue umbrella for 25 dollars.",
                tok.decode(new int[] {1713, 345, 13515, 357, 4663, 805, 7, 3, 9, 1692, 18598, 21, 944, 3740, 5, 1}));
    }

    @Test
    void specialIdsFromConfigAndNoTruncation() {
        assertEquals(new SpecialTokens(0, 1, 0), tok.specialTokens());
        String longText = "#Person1#: I'd like to book a table for 4 people at 7 pm on Friday, please. ".repeat(40);
        int[] ids = tok.encode(longText);
        assertTrue(ids.length > 1000, "tokenizer must not truncate (got " + ids.length + ")");
        assertEquals(1, ids[ids.length - 1]);
    }

    @Test
    void exampleEncoderUsesTemplateAndFirstReference() {
        Example ex = new Example("e", "#Person2# buys a blue umbrella for 25 dollars.", "Das Haus ist wunderbar.");
        List<TokenizedExample> t = new ExampleEncoder(tok, PromptTemplate.of("{dialogue}")).encodeAll(List.of(ex));
        assertArrayEquals(new int[] {1713, 345, 13515, 357, 4663, 805, 7, 3, 9, 1692, 18598, 21, 944, 3740, 5, 1},
                t.get(0).sourceIds());
        assertArrayEquals(new int[] {644, 4598, 229, 19250, 5, 1}, t.get(0).targetIds());
        assertEquals("e", t.get(0).id());
    }

    @Test
    void missingFilesAreUserErrors() {
        UserException e = assertThrows(UserException.class, () -> HfTokenizer.load(Path.of("/nonexistent-model")));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
