package org.pefttrainer.core.data.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.data.TrainingFilter;

/** Hand-written files with the quirks of real datasets; expected values are read off the files by hand. */
class FileFormatsTest {

    static Path resource(String name) {
        try {
            return Path.of(FileFormatsTest.class.getResource("/data/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void samsumJsonArray() {
        DatasetReader r = DatasetReader.open("auto", resource("samsum-json"));
        assertTrue(r instanceof JsonArrayReader);
        assertEquals(EnumSet.of(Split.TRAIN), r.splits());
        List<Example> ex = r.read(Split.TRAIN);
        assertEquals(List.of("13818513", "13728867", "13828807", "42"), ex.stream().map(Example::id).toList());
        assertEquals("Amanda: I baked  cookies. Do you want some?\nJerry: Sure!\nAmanda: I'll bring you tomorrow :-)",
                ex.get(0).source());
        assertEquals("Olivia: Who are you voting for in this election? \nOliver: Liberals as always.\nOlivia: Me too!!"
                + "\nOliver: Great", ex.get(1).source());
        assertEquals("Olivia and Olivier are voting for liberals in this election.", ex.get(1).target());
        assertEquals("", ex.get(2).source());
        assertEquals(Optional.empty(), ex.get(0).topic());
        UserException e = assertThrows(UserException.class, () -> r.read(Split.VALIDATION));
        assertTrue(e.getMessage().contains("no validation file"), e.getMessage());
    }

    @Test
    void jsonLinesWithBomBlankLineLoneCrAndMissingId() {
        Path file = resource("samsum-jsonl/validation.jsonl");
        DatasetReader r = DatasetReader.open("jsonl", file);
        List<Example> ex = r.read(Split.TEST);  // a file serves any split
        assertEquals(3, ex.size());
        assertEquals(new Example("a1", "Ann: hi\nBob: hello", "Ann greets Bob."), ex.get(0));
        assertEquals(new Example("a2", "Bob: bye\nAnn: bye", "They say goodbye."), ex.get(1));
        assertEquals("2", ex.get(2).id());  // no id: its position in the file
        assertEquals("", ex.get(2).target());
        assertEquals(List.of("2"), TrainingFilter.keepNonEmpty(ex, "fixture").skippedIds());
        // the folder form finds the same file under its split name
        assertEquals(ex, DatasetReader.open("auto", resource("samsum-jsonl")).read(Split.parse("dev")));
    }

    @Test
    void csvWithCrlfQuotedMultilineFields() {
        DatasetReader r = DatasetReader.open("auto", resource("samsum-csv"));
        assertTrue(r instanceof CsvReader);
        List<Example> ex = r.read(Split.TEST);
        assertEquals(List.of(new Example("c1", "Ann: hi\nBob: hello, Ann \"the great\"", "Ann greets Bob."),
                new Example("c2", "Bob: bye\nAnn: bye", "They say goodbye.")), ex);
    }

    @Test
    void dialogSumShapedFolder() {
        Path dir = resource("dialogsum-mini");
        DatasetReader r = DatasetReader.open("dialogsum", dir);
        assertEquals(EnumSet.allOf(Split.class), r.splits());
        assertEquals(List.of(new Example("train_0", "#Person1#: Hello.\n#Person2#: Hi.", List.of("They greet."),
                Optional.of("greeting"))), r.read(Split.TRAIN));
        assertEquals("#Person1# leaves.", r.read(Split.VALIDATION).get(0).target());

        List<Example> pairs = DatasetReader.open(DatasetFormat.DIALOGSUM, dir, ReferenceConvention.ALL_PAIRS)
                .read(Split.TEST);
        assertEquals(List.of("test_0_1", "test_0_2", "test_0_3", "test_1_1", "test_1_2", "test_1_3"),
                pairs.stream().map(Example::id).toList());
        assertEquals("#Person2# accepts #Person1#'s card.", pairs.get(1).target());
        assertEquals(Optional.of("card"), pairs.get(1).topic());
        assertEquals(Optional.of("rain"), pairs.get(5).topic());

        List<Example> best = DatasetReader.open(DatasetFormat.DIALOGSUM, dir, ReferenceConvention.BEST_OF_THREE)
                .read(Split.TEST);
        assertEquals(2, best.size());
        assertEquals(List.of("It is not raining.", "#Person2# says it is dry.", "No rain, says #Person2#."),
                best.get(1).references());
        assertEquals(Optional.of("weather"), best.get(1).topic());

        List<Example> first = DatasetReader.open("dialogsum", dir).read(Split.TEST);
        assertEquals(List.of("#Person1# pays by card."), first.get(0).references());
    }

    @Test
    void jsonExtensionHoldingJsonLines(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("data_train.json"),
                "{\"id\": \"x\", \"dialogue\": \"A: 1\", \"summary\": \"one\"}\n"
                        + "{\"id\": \"y\", \"dialogue\": \"B: 2\", \"summary\": \"two\"}\n");
        List<Example> ex = DatasetReader.open("auto", dir).read(Split.TRAIN);
        assertEquals(List.of("x", "y"), ex.stream().map(Example::id).toList());
        assertEquals(ex, DatasetReader.open("json", dir.resolve("data_train.json")).read(Split.TRAIN));
    }

    @Test
    void userErrorsNameTheProblem(@TempDir Path dir) throws IOException {
        UserException e = assertThrows(UserException.class, () -> DatasetReader.open("parquet", dir));
        assertTrue(e.getMessage().contains("parquet"), e.getMessage());

        Path bad = dir.resolve("train.jsonl");
        Files.writeString(bad, "{\"id\": \"1\", \"dialogue\": \"A: hi\", \"summary\": \"hi\"}\n{\"id\": \"2\", \"text\": \"x\"}\n");
        e = assertThrows(UserException.class, () -> DatasetReader.open("jsonl", dir).read(Split.TRAIN));
        assertTrue(e.getMessage().contains("train.jsonl:2") && e.getMessage().contains("dialogue"), e.getMessage());

        Files.writeString(bad, "{\"id\": \"1\", \"dialogue\": \"A: hi\", \"summary\": \"hi\"\n");
        e = assertThrows(UserException.class, () -> DatasetReader.open("jsonl", dir).read(Split.TRAIN));
        assertTrue(e.getMessage().contains("train.jsonl:1") && e.getMessage().contains("not valid JSON"),
                e.getMessage());

        e = assertThrows(UserException.class, () -> DatasetReader.open("auto", dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(UserException.class, () -> Split.parse("training"));
        assertTrue(e.getMessage().contains("training"), e.getMessage());
    }
}
