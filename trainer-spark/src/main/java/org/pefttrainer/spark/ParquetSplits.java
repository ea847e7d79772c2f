package org.pefttrainer.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.DataConfig;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.io.AtomicFiles;

/**
 * {@code data.format = parquet}: Spark reads the split files ({@code train.parquet}, {@code validation.parquet},
 * ... as files or Spark's folders of parts; a path that is itself one serves every split) and hands their rows on,
 * in order, as JSON Lines, which the usual reader maps (same fields as JSONL: id, dialogue, summary, adapter, ...).
 */
final class ParquetSplits {
    private ParquetSplits() {}

    /** {@code lc} reading the converted splits; the config it shows and saves stays the user's. */
    static LoadedConfig readable(JavaSparkContext sc, LoadedConfig lc, PrintStream out) {
        DataConfig data = lc.settings().data();
        if (data.format() != DataConfig.Format.PARQUET) {
            return lc;
        }
        Path path = data.path().toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new UserException("data.path " + path + " does not exist");
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("peft-parquet");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> AtomicFiles.deleteRecursively(tmp)));
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        int found = 0;
        for (Split split : Split.values()) {
            Path file = find(path, split);
            if (file == null) {
                continue;
            }
            List<String> rows = spark.read().parquet(file.toString()).toJSON().collectAsList();
            try {
                Files.write(tmp.resolve(split.canonicalName() + ".jsonl"), rows);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.printf(Locale.ROOT, "spark: read %,d rows of %s%n", rows.size(), file);
            found++;
        }
        if (found == 0) {
            throw new UserException("data.path " + path + ": no Parquet split in it (expected train.parquet,"
                    + " validation.parquet or test.parquet, as files or folders)");
        }
        LoadedConfig converted = JobConfig.reload(lc.rendered(), List.of("data.path=" + tmp, "data.format=jsonl"));
        return new LoadedConfig(lc.source(), lc.config(), lc.rendered(), converted.settings());
    }

    /** The split's Parquet file or folder under {@code path} (or {@code path} itself when it is one), or null. */
    static Path find(Path path, Split split) {
        if (path.getFileName().toString().endsWith(".parquet")) {
            return path;
        }
        try (var s = Files.list(path)) {
            return s.filter(f -> {
                String name = f.getFileName().toString();
                if (!name.endsWith(".parquet")) {
                    return false;
                }
                String stem = name.substring(0, name.length() - ".parquet".length()).toLowerCase(Locale.ROOT);
                return split.names().stream().anyMatch(n -> stem.equals(n) || stem.endsWith("." + n)
                        || stem.endsWith("_" + n) || stem.endsWith("-" + n));
            }).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
