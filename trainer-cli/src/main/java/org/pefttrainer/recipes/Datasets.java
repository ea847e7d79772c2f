package org.pefttrainer.recipes;

import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.DataConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.data.Subset;
import org.pefttrainer.core.data.read.DatasetFormat;
import org.pefttrainer.core.data.read.DatasetReader;

/** The data section of a config turned into examples: which files, which split, which subset. */
public final class Datasets {
    private Datasets() {}

    public static List<Example> read(DataConfig d, String splitName, int subset) {
        Split split = Split.parse(splitName);
        DatasetReader reader = DatasetReader.open(DatasetFormat.parse(d.format().configName()), d.path(),
                ReferenceConvention.parse(d.references()));
        if (!reader.splits().contains(split)) {
            throw new UserException(d.path() + ": dataset has no '" + splitName + "' split (it has " + reader.splits() + ")");
        }
        List<Example> all = reader.read(split);
        Subset s = subset <= 0 ? Subset.all() : d.subsetSeed() == 0 ? Subset.first(subset) : Subset.random(subset, d.subsetSeed());
        return s.apply(all);
    }
}
