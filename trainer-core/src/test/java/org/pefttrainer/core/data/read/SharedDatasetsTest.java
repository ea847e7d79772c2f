package org.pefttrainer.core.data.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.SharedData;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.data.TrainingFilter;

/** Counts and quirks of the real datasets in ../shared, against the numbers their documentation gives. */
class SharedDatasetsTest {

    private static Path dialogsum() {
        return SharedData.path("data/dialogsum");
    }

    private static Path samsum() {
        return SharedData.path("data/samsum/hf_save_to_disk");
    }

    @Test
    void dialogSumCountsMatchTheRelease() {
        DatasetReader r = DatasetReader.open("dialogsum", dialogsum());
        assertEquals(EnumSet.allOf(Split.class), r.splits());
        assertEquals(12_460, r.read(Split.TRAIN).size());  // the train file has no final newline: last line counts
        assertEquals(500, r.read(Split.VALIDATION).size());
        assertEquals(500, r.read(Split.parse("dev")).size());
        assertEquals(500, r.read(Split.TEST).size());
    }

    @Test
    void dialogSumTrainExamplesHaveTopicsAndUniqueIds() {
        List<Example> train = DatasetReader.open("dialogsum", dialogsum()).read(Split.TRAIN);
        assertEquals("train_0", train.get(0).id());
        assertTrue(train.get(0).source().startsWith("#Person1#: Hi, Mr. Smith. I'm Doctor Hawkins."));
        assertEquals(Optional.of("get a check-up"), train.get(0).topic());
        assertEquals(12_460, train.stream().map(Example::id).distinct().count());
        // the last record, on the line without a newline, is read whole
        assertEquals(Optional.of("baggage pack"), train.get(train.size() - 1).topic());
    }

    @Test
    void dialogSumTestConventions() {
        Path p = dialogsum();
        List<Example> s1 = DatasetReader.open(DatasetFormat.DIALOGSUM, p, ReferenceConvention.SUMMARY1).read(Split.TEST);
        List<Example> pairs = DatasetReader.open(DatasetFormat.DIALOGSUM, p, ReferenceConvention.ALL_PAIRS).read(Split.TEST);
        List<Example> best = DatasetReader.open(DatasetFormat.DIALOGSUM, p, ReferenceConvention.BEST_OF_THREE)
                .read(Split.TEST);
        assertEquals(500, s1.size());
        assertEquals(1_500, pairs.size());
        assertEquals(500, best.size());
        assertTrue(best.stream().allMatch(e -> e.references().size() == 3));
        assertTrue(s1.stream().allMatch(e -> e.references().size() == 1));
        // pairs: three consecutive examples per dialogue, one reference each, in summary1..3 order
        assertEquals("test_0_1", pairs.get(0).id());
        assertEquals("test_0_3", pairs.get(2).id());
        for (int k = 0; k < 3; k++) {
            assertEquals(best.get(0).source(), pairs.get(k).source());
            assertEquals(best.get(0).references().get(k), pairs.get(k).target());
        }
        assertEquals(s1.get(0).target(), best.get(0).references().get(0));
        assertEquals(best.get(0).id(), s1.get(0).id());
    }

    @Test
    void samsumCountsMatchDatasetInfo() {
        DatasetReader r = DatasetReader.open("samsum", samsum());
        assertTrue(r instanceof HfDiskReader);
        assertEquals(EnumSet.allOf(Split.class), r.splits());
        assertEquals(14_732, r.read(Split.TRAIN).size());
        assertEquals(818, r.read(Split.VALIDATION).size());
        assertEquals(819, r.read(Split.TEST).size());
    }

    @Test
    void samsumQuirksAreNormalisedNotFatal() {
        List<Example> train = DatasetReader.open("auto", samsum()).read(Split.TRAIN);
        Set<String> ids = new HashSet<>();
        for (Example e : train) {
            ids.add(e.id());
            assertFalse(e.source().contains("\r"), e.id());
            assertEquals(e.target().strip(), e.target(), e.id());
            assertEquals(e.source().strip(), e.source(), e.id());
        }
        assertEquals(14_732, ids.size());
        Example empty = train.stream().filter(e -> e.id().equals("13828807")).findFirst().orElseThrow();
        assertEquals("", empty.source());  // kept by the reader ...

        TrainingFilter.Result usable = TrainingFilter.keepNonEmpty(train, "samsum train");
        assertTrue(usable.skippedIds().contains("13828807"));  // ... skipped for training
        assertEquals(train.size() - usable.skippedIds().size(), usable.kept().size());
        assertTrue(usable.kept().stream().noneMatch(e -> e.source().isBlank() || e.target().isBlank()));
    }

    @Test
    void samsumSplitFolderAloneIsReadable() {
        DatasetReader r = DatasetReader.open("samsum", samsum().resolve("validation"));
        assertEquals(818, r.read(Split.VALIDATION).size());
    }
}
