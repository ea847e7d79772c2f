package org.pefttrainer.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PorterStemmerTest {
    private final PorterStemmer stemmer = new PorterStemmer();

    /** Every word of NLTK's own output table (NLTK_EXTENSIONS mode, the mode rouge_score uses). */
    @Test
    void matchesNltkOnAllReferenceWords() throws IOException {
        List<String> lines = Files.readAllLines(SharedReference.rougeReference("porter_nltk_stems.tsv"),
                StandardCharsets.UTF_8);
        assertEquals(8743, lines.size(), "rows in porter_nltk_stems.tsv");
        List<String> mismatches = new ArrayList<>();
        for (String line : lines) {
            String[] cols = line.split("\t", -1);
            assertEquals(2, cols.length, "row: " + line);
            String stem = stemmer.stem(cols[0]);
            if (!stem.equals(cols[1])) {
                mismatches.add(cols[0] + " -> " + stem + " (NLTK: " + cols[1] + ")");
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches, first: "
                + mismatches.subList(0, Math.min(20, mismatches.size())));
    }

    /** NLTK-only rules, checked by hand against nltk/stem/porter.py (not in every Porter port). */
    @Test
    void appliesNltkExtensions() {
        assertEquals("die", stemmer.stem("dying"));    // irregular-form table
        assertEquals("sky", stemmer.stem("skies"));    // irregular-form table
        assertEquals("tie", stemmer.stem("ties"));     // -ies on a four-letter word -> -ie
        assertEquals("fli", stemmer.stem("flies"));    // otherwise -ies -> -i
        assertEquals("die", stemmer.stem("died"));     // -ied on a four-letter word -> -ie
        assertEquals("spi", stemmer.stem("spied"));    // otherwise -ied -> -i
        assertEquals("enjoy", stemmer.stem("enjoy"));  // y -> i only after a consonant
        assertEquals("happi", stemmer.stem("happy"));
        assertEquals("is", stemmer.stem("is"));        // words of one or two letters untouched
        assertEquals("as", stemmer.stem("AS"));        // ... but lowercased
    }
}
