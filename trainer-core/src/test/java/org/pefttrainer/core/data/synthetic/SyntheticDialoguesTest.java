package org.pefttrainer.core.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.data.read.DatasetFormat;
import org.pefttrainer.core.data.read.DatasetReader;

/** The embedded default's data in data/dialogues: current, readable, small, and learnable (slots copied). */
class SyntheticDialoguesTest {
    /** The repository's data folder, seen from the module folder surefire runs in. */
    private static final Path DIR = Path.of("../data/dialogues");

    @Test
    void committedFilesAreWhatTheGeneratorWrites() throws IOException {
        List<String> expected = SyntheticDialogues.splitFiles();
        for (int i = 0; i < expected.size(); i++) {
            Path f = DIR.resolve(SyntheticDialogues.FILE_NAMES.get(i));
            assertTrue(Files.isRegularFile(f), "missing " + f.toAbsolutePath().normalize());
            assertEquals(expected.get(i), Files.readString(f, StandardCharsets.UTF_8),
                    f + " is stale: regenerate it (see data/README.md)");
            assertTrue(Files.size(f) < 1_000_000, f + " is " + Files.size(f) + " bytes");
        }
    }

    @Test
    void readableAsDialogSumWithDocumentedCounts() {
        DatasetReader r = DatasetReader.open("dialogsum", DIR);
        assertEquals(2000, r.read(Split.TRAIN).size());
        assertEquals(100, r.read(Split.VALIDATION).size());
        assertEquals(100, r.read(Split.TEST).size());
        List<Example> best = DatasetReader.open(DatasetFormat.DIALOGSUM, DIR, ReferenceConvention.BEST_OF_THREE)
                .read(Split.TEST);
        assertTrue(best.stream().allMatch(e -> e.references().size() == 3 && e.topic().isPresent()));
        assertEquals(300, DatasetReader.open(DatasetFormat.DIALOGSUM, DIR, ReferenceConvention.ALL_PAIRS)
                .read(Split.TEST).size());
    }

    @Test
    void noDialogueInTwoSplits() {
        DatasetReader r = DatasetReader.open("dialogsum", DIR);
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (Split s : Split.values()) {
            for (Example e : r.read(s)) {
                seen.add(e.source());
                total++;
            }
        }
        assertEquals(total, seen.size());
    }

    @Test
    void dialoguesAlternateSpeakersAndSummariesOnlyUseSlotsFromTheirDialogue() {
        List<Example> all = new ArrayList<>();
        DatasetReader r = DatasetReader.open(DatasetFormat.DIALOGSUM, DIR, ReferenceConvention.BEST_OF_THREE);
        for (Split s : Split.values()) {
            all.addAll(r.read(s));
        }
        for (Example e : all) {
            String[] turns = e.source().split("\n");
            assertTrue(turns.length >= 4, e.id());
            for (int i = 0; i < turns.length; i++) {
                assertTrue(turns[i].startsWith(i % 2 == 0 ? "#Person1#: " : "#Person2#: "), e.id() + ": " + turns[i]);
            }
            Set<String> dialogueWords = new HashSet<>(words(e.source()));
            for (String summary : e.references()) {
                List<String> w = words(summary);
                // numbers and names (capitalised, not sentence-initial) must come from the dialogue
                for (int i = 1; i < w.size(); i++) {
                    String word = w.get(i);
                    if (Character.isDigit(word.charAt(0)) || Character.isUpperCase(word.charAt(0))) {
                        assertTrue(dialogueWords.contains(word), e.id() + ": '" + word + "' of \"" + summary
                                + "\" is not in the dialogue");
                    }
                }
            }
        }
    }

    @Test
    void generatorIsDeterministicPerSeed() {
        List<String> a = SyntheticDialogues.dialogues(30, 5).stream().map(Dialogue::text).collect(Collectors.toList());
        List<String> b = SyntheticDialogues.dialogues(30, 5).stream().map(Dialogue::text).collect(Collectors.toList());
        assertEquals(a, b);
        assertNotEquals(a, SyntheticDialogues.dialogues(30, 6).stream().map(Dialogue::text).collect(Collectors.toList()));
    }

    /** Words without punctuation; #Person1# / #Person2# count as names and are skipped. */
    private static List<String> words(String text) {
        return Arrays.stream(text.split("[^A-Za-z0-9#'-]+"))
                .map(w -> w.replaceAll("'s$", ""))
                .filter(w -> !w.isEmpty() && !w.startsWith("#"))
                .collect(Collectors.toList());
    }
}
