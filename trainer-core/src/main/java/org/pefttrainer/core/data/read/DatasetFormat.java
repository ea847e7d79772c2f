package org.pefttrainer.core.data.read;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.data.ReferenceConvention;

/**
 * Dataset formats by name. {@code jsonl}, {@code json} and {@code csv} force a reader; {@code dialogsum},
 * {@code samsum} and {@code auto} look at the path: a {@code save_to_disk} folder (dataset_dict.json or
 * state.json) is read with Arrow; otherwise the file extension decides, and a {@code .json} file starting with
 * {@code {}} is JSON Lines (as {@code Dataset.to_json} writes). A folder is read as the first of jsonl, json,
 * csv that has split files in it.
 */
public enum DatasetFormat {
    DIALOGSUM, SAMSUM, JSONL, JSON, CSV, AUTO,
    /** Conversational records (a "messages" column), in any of the files auto finds. */
    CHAT,
    /** Parquet: read through Spark, which hands the rows on as JSON Lines (trainer-spark). */
    PARQUET;

    public static DatasetFormat parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (DatasetFormat f : values()) {
            if (f.name().equals(n)) {
                return f;
            }
        }
        throw new UserException("unknown dataset format '" + name
                + "'; expected dialogsum, samsum, jsonl, json, csv, auto, chat or parquet");
    }

    DatasetReader open(Path path, ReferenceConvention convention) {
        if (!Files.exists(path)) {
            throw new UserException("dataset path " + path.toAbsolutePath().normalize() + " does not exist");
        }
        switch (this) {
            case JSONL:
                return new JsonLinesReader(path, convention);
            case JSON:
                return Files.isRegularFile(path) && startsWithObject(path)
                        ? new JsonLinesReader(path, convention, JsonArrayReader.EXTENSION)
                        : new JsonArrayReader(path, convention);
            case CSV:
                return new CsvReader(path, convention);
            case PARQUET:
                throw new UserException("data.format = parquet: " + path + " is read through Apache Spark; set"
                        + " spark.master (e.g. spark.master=local[2]), see docs/spark.md");
            default:
                return detect(path, convention);
        }
    }

    private static DatasetReader detect(Path path, ReferenceConvention convention) {
        if (Files.isDirectory(path)) {
            if (HfDiskReader.looksLikeOne(path)) {
                return new HfDiskReader(path, convention);
            }
            for (String ext : List.of(JsonLinesReader.EXTENSION, JsonArrayReader.EXTENSION, CsvReader.EXTENSION)) {
                List<Path> files = SplitFiles.candidates(path, ext);
                if (!files.isEmpty()) {
                    return byExtension(files.get(0), ext, path, convention);
                }
            }
            throw new UserException("dataset folder " + path + " has no dataset_dict.json / state.json and no"
                    + " .jsonl, .json or .csv files");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : List.of(JsonLinesReader.EXTENSION, JsonArrayReader.EXTENSION, CsvReader.EXTENSION)) {
            if (name.endsWith(ext)) {
                return byExtension(path, ext, path, convention);
            }
        }
        throw new UserException("cannot tell the format of " + path
                + ": expected a .jsonl, .json or .csv file or a folder; set the dataset format explicitly");
    }

    private static DatasetReader byExtension(Path sample, String ext, Path path, ReferenceConvention convention) {
        switch (ext) {
            case JsonLinesReader.EXTENSION:
                return new JsonLinesReader(path, convention);
            case JsonArrayReader.EXTENSION:
                return startsWithObject(sample)
                        ? new JsonLinesReader(path, convention, ext) : new JsonArrayReader(path, convention);
            default:
                return new CsvReader(path, convention);
        }
    }

    /** True if the file's first non-blank character is '{' (JSON Lines), false for '[' (one JSON array). */
    private static boolean startsWithObject(Path file) {
        try (Reader in = TextFiles.strictReader(file)) {
            int c;
            while ((c = in.read()) != -1) {
                if (!Character.isWhitespace(c) && c != '\uFEFF') {
                    return c == '{';
                }
            }
            return false;
        } catch (IOException e) {
            throw TextFiles.cannotRead(file, "dataset file", e);
        }
    }
}
