package org.pefttrainer.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.Split;
import org.pefttrainer.core.data.read.DatasetReader;

/**
 * Tokenisation speed on the DialogSum train dialogues (rendered with the default prompt): one text at a time and
 * through the native batch call. Usage: {@code TokenizationBench [DIALOGSUM_DIR [MODEL_DIR [ROUNDS]]]}, defaults
 * {@code ../shared/data/dialogsum}, {@code ../shared/models/flan-t5-small}, 3. Prints examples/s and tokens/s.
 */
public final class TokenizationBench {
    private TokenizationBench() {}

    public static void main(String[] args) {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data/dialogsum");
        Path model = Path.of(args.length > 1 ? args[1] : "../shared/models/flan-t5-small");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;

        long t0 = System.nanoTime();
        List<Example> train = DatasetReader.open("dialogsum", data).read(Split.TRAIN);
        double readS = (System.nanoTime() - t0) / 1e9;
        System.out.printf("read %d DialogSum train examples in %.2f s%n", train.size(), readS);

        PromptTemplate template = PromptTemplate.defaults();
        List<String> texts = new ArrayList<>(train.size());
        for (Example e : train) {
            texts.add(template.render(e));
        }
        try (HfTokenizer tok = HfTokenizer.load(model)) {
            tok.encodeAll(texts.subList(0, Math.min(500, texts.size())));  // warm-up
            for (int r = 0; r < rounds; r++) {
                long tokens = 0;
                long s = System.nanoTime();
                for (String t : texts) {
                    tokens += tok.encode(t).length;
                }
                report("encode, one at a time", texts.size(), tokens, System.nanoTime() - s);

                s = System.nanoTime();
                tokens = 0;
                for (int from = 0; from < texts.size(); from += 1024) {
                    for (int[] ids : tok.encodeAll(texts.subList(from, Math.min(texts.size(), from + 1024)))) {
                        tokens += ids.length;
                    }
                }
                report("encodeAll, batches of 1024", texts.size(), tokens, System.nanoTime() - s);
            }
        }
    }

    private static void report(String what, int examples, long tokens, long nanos) {
        double s = nanos / 1e9;
        System.out.printf("%-28s %6d examples in %6.2f s: %8.0f examples/s, %9.0f tokens/s (%d cores)%n", what,
                examples, s, examples / s, tokens / s, Runtime.getRuntime().availableProcessors());
    }
}
