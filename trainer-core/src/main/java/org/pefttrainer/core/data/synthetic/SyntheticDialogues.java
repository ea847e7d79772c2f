package org.pefttrainer.core.data.synthetic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.pefttrainer.core.data.Example;

/**
 * Deterministic synthetic two-person dialogues in DialogSum's style (booking a table, buying an item, arranging a
 * meeting, asking the way, ...) whose summaries restate the dialogue's key slots (who, how many, what, when,
 * where, for how much): a small model can learn to copy them, so ROUGE rises visibly within a short run. They
 * are the embedded default's data, written in DialogSum's JSONL layout so the ordinary reader reads them.
 *
 * <p>Regenerate the committed files with {@code java -cp trainer-core/target/classes:<deps>
 * org.pefttrainer.core.data.synthetic.SyntheticDialogues data/dialogues} (a test checks they are current).
 */
public final class SyntheticDialogues {
    public static final long SEED = 20240601L;
    public static final int TRAIN = 2000;
    public static final int DEV = 100;
    public static final int TEST = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticDialogues() {}

    /** {@code count} distinct dialogues from {@code seed}; the scenario cycles so every kind is equally common. */
    public static List<Dialogue> dialogues(int count, long seed) {
        Random r = new Random(seed);
        Set<String> seen = new HashSet<>();
        List<Dialogue> out = new ArrayList<>(count);
        int k = 0;
        while (out.size() < count) {
            Function<Random, Dialogue> scenario = Scenarios.ALL.get(k % Scenarios.ALL.size());
            Dialogue d = scenario.apply(r);
            if (seen.add(d.text())) {
                out.add(d);
                k++;
            }
        }
        return out;
    }

    /** As examples with the canonical (first) summary as the single reference. */
    public static List<Example> examples(int count, long seed, String idPrefix) {
        List<Example> out = new ArrayList<>(count);
        List<Dialogue> ds = dialogues(count, seed);
        for (int i = 0; i < ds.size(); i++) {
            Dialogue d = ds.get(i);
            out.add(new Example(idPrefix + i, d.text(), List.of(d.summaries().get(0)), Optional.of(d.topic())));
        }
        return out;
    }

    /**
     * The three split files' contents: train and dev with {@code summary}/{@code topic}, test with
     * {@code summary1..3}/{@code topic1..3} like DialogSum's test file. One stream of distinct dialogues is cut in
     * order, so no dialogue is in two splits.
     */
    public static List<String> splitFiles() {
        List<Dialogue> all = dialogues(TRAIN + DEV + TEST, SEED);
        return List.of(jsonl(all.subList(0, TRAIN), "train_", false),
                jsonl(all.subList(TRAIN, TRAIN + DEV), "dev_", false),
                jsonl(all.subList(TRAIN + DEV, TRAIN + DEV + TEST), "test_", true));
    }

    /** File names matching {@link #splitFiles()}. */
    public static final List<String> FILE_NAMES = List.of("train.jsonl", "dev.jsonl", "test.jsonl");

    /** Writes train.jsonl, dev.jsonl and test.jsonl into {@code dir}, each atomically. */
    public static void write(Path dir) {
        List<String> files = splitFiles();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < files.size(); i++) {
                Path target = dir.resolve(FILE_NAMES.get(i));
                Path tmp = dir.resolve(FILE_NAMES.get(i) + ".tmp");
                try {
                    Files.writeString(tmp, files.get(i), StandardCharsets.UTF_8);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic dialogues to " + dir, e);
        }
    }

    private static String jsonl(List<Dialogue> dialogues, String prefix, boolean threeReferences) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dialogues.size(); i++) {
            Dialogue d = dialogues.get(i);
            ObjectNode o = JSON.createObjectNode();
            o.put("fname", prefix + i);
            o.put("dialogue", d.text());
            if (threeReferences) {
                for (int k = 0; k < 3; k++) {
                    o.put("summary" + (k + 1), d.summaries().get(k));
                    o.put("topic" + (k + 1), d.topic());
                }
            } else {
                o.put("summary", d.summaries().get(0));
                o.put("topic", d.topic());
            }
            try {
                sb.append(JSON.writeValueAsString(o)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    /** Writes the split files into the folder given (default {@code data/dialogues}). */
    public static void main(String[] args) {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/dialogues");
        write(dir);
        System.out.println("wrote " + FILE_NAMES + " to " + dir.toAbsolutePath().normalize());
    }
}
