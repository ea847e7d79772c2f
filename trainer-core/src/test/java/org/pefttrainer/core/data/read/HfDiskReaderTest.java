package org.pefttrainer.core.data.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.Split;

/** A small save_to_disk layout written here: one split in two Arrow stream files, read in state.json's order. */
class HfDiskReaderTest {

    @Test
    void readsAllDataFilesInStateOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("dataset_dict.json"), "{\"splits\": [\"train\", \"dev\"]}");
        Path train = Files.createDirectories(dir.resolve("train"));
        writeArrow(train.resolve("data-00001-of-00002.arrow"), new String[][] {{"t3", "C: x\r\nD: y", " third "}});
        writeArrow(train.resolve("data-00000-of-00002.arrow"),
                new String[][] {{"t1", "A: hi", "first"}, {"t2", "B: yo", "second"}});
        Files.writeString(train.resolve("state.json"), "{\"_data_files\": [{\"filename\": \"data-00000-of-00002.arrow\"},"
                + " {\"filename\": \"data-00001-of-00002.arrow\"}], \"_split\": \"train\"}");
        Path dev = Files.createDirectories(dir.resolve("dev"));
        writeArrow(dev.resolve("dataset.arrow"), new String[][] {{"d1", "E: ok", "fine"}});
        Files.writeString(dev.resolve("state.json"), "{\"_data_files\": [{\"filename\": \"dataset.arrow\"}]}");

        DatasetReader r = DatasetReader.open("auto", dir);
        assertTrue(r instanceof HfDiskReader);
        assertEquals(EnumSet.of(Split.TRAIN, Split.VALIDATION), r.splits());
        assertEquals(List.of(new Example("t1", "A: hi", "first"), new Example("t2", "B: yo", "second"),
                new Example("t3", "C: x\nD: y", "third")), r.read(Split.TRAIN));
        assertEquals(List.of(new Example("d1", "E: ok", "fine")), r.read(Split.VALIDATION));
        UserException e = assertThrows(UserException.class, () -> r.read(Split.TEST));
        assertTrue(e.getMessage().contains("no test split"), e.getMessage());
    }

    @Test
    void missingDataFileIsAUserError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("state.json"), "{\"_data_files\": [{\"filename\": \"gone.arrow\"}]}");
        UserException e = assertThrows(UserException.class, () -> DatasetReader.open("samsum", dir).read(Split.TRAIN));
        assertTrue(e.getMessage().contains("gone.arrow"), e.getMessage());
    }

    private static void writeArrow(Path file, String[][] rows) throws IOException {
        try (BufferAllocator allocator = new RootAllocator();
                VarCharVector id = new VarCharVector("id", allocator);
                VarCharVector dialogue = new VarCharVector("dialogue", allocator);
                VarCharVector summary = new VarCharVector("summary", allocator)) {
            VarCharVector[] cols = {id, dialogue, summary};
            for (int c = 0; c < 3; c++) {
                cols[c].allocateNew(rows.length);
                for (int r = 0; r < rows.length; r++) {
                    cols[c].setSafe(r, rows[r][c].getBytes(StandardCharsets.UTF_8));
                }
                cols[c].setValueCount(rows.length);
            }
            try (VectorSchemaRoot root = VectorSchemaRoot.of(id, dialogue, summary);
                    OutputStream out = Files.newOutputStream(file);
                    ArrowStreamWriter writer = new ArrowStreamWriter(root, null, out)) {
                root.setRowCount(rows.length);
                writer.start();
                writer.writeBatch();
                writer.end();
            }
        }
    }
}
