package org.pefttrainer.core.data.read;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;

/**
 * Reads the splits of one dataset. Readers keep every record, including ones with an empty dialogue or summary
 * (SAMSum train id 13828807), so that counts match the dataset's documentation; training drops those with
 * {@link org.pefttrainer.core.data.TrainingFilter}. Text is normalised: {@code \r\n} → {@code \n}, fields stripped.
 */
public interface DatasetReader {

    /** All examples of a split, in file order. */
    List<Example> read(Split split);

    /** The splits this dataset has (a single file serves every split). */
    Set<Split> splits();

    /** The folder or file read. */
    Path path();

    /** Opens {@code path} as the named format (dialogsum | samsum | jsonl | json | csv | auto), test convention SUMMARY1. */
    static DatasetReader open(String format, Path path) {
        return open(DatasetFormat.parse(format), path, ReferenceConvention.SUMMARY1);
    }

    /** Opens {@code path} as {@code format}; records with several references become examples per {@code convention}. */
    static DatasetReader open(DatasetFormat format, Path path, ReferenceConvention convention) {
        return format.open(path, convention);
    }
}
