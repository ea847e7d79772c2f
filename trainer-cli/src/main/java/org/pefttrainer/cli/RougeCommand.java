package org.pefttrainer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.pefttrainer.eval.rouge.ConfidenceInterval;
import org.pefttrainer.eval.rouge.RougeFileScorer;
import org.pefttrainer.eval.rouge.RougeScorer;
import org.pefttrainer.eval.rouge.RougeSummary;
import org.pefttrainer.eval.rouge.RougeType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft rouge}: scores a JSONL of prediction/reference pairs as Google's rouge_score (HF evaluate) does. */
@Command(
        name = "rouge",
        mixinStandardHelpOptions = true,
        description = {
            "Scores predictions against references with ROUGE-1/2/L/Lsum, equal to Google's rouge_score 0.1.2"
                    + " (Hugging Face evaluate's \"rouge\").",
            "Input lines: {\"prediction\": \"...\", \"reference\": \"...\" or [\"...\", ...]} (several references:"
                    + " best F per type). Output: one line of precision/recall/fmeasure per type for each input line.",
            "The mean and rouge_score's bootstrap interval go to stderr, or as JSON to --summary."})
public final class RougeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL of pairs to score.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "JSONL of scores, one per input line.")
    Path output;

    @Option(names = "--no-stemmer", description = "Turn off NLTK Porter stemming (use_stemmer=False).")
    boolean noStemmer;

    @Option(names = "--summary", paramLabel = "FILE", description = "Write mean and interval here as JSON instead of stderr.")
    Path summary;

    @Option(names = "--seed", defaultValue = "42", description = "numpy seed of the bootstrap (default: ${DEFAULT-VALUE}).")
    int seed;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--confidence", defaultValue = "0.95", description = "Interval confidence (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Override
    public Integer call() {
        BootstrapSettings bootstrap;
        try {
            bootstrap = new BootstrapSettings(confidence, resamples, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RougeScorer scorer = new RougeScorer(!noStemmer);
        RougeFileScorer fileScorer = new RougeFileScorer(scorer, bootstrap);
        RougeSummary result = fileScorer.scoreFile(input, output);
        if (summary != null) {
            fileScorer.writeSummary(result, summary);
        } else {
            printSummary(result, scorer.usesStemmer(), spec.commandLine().getErr());
        }
        return 0;
    }

    static void printSummary(RougeSummary s, boolean useStemmer, PrintWriter err) {
        BootstrapSettings b = s.bootstrap();
        err.printf("ROUGE over %d pairs (use_stemmer=%s); F: mean, and the %s%% bootstrap interval"
                        + " (%d resamples, seed %d)%n",
                s.count(), useStemmer, trim(100 * b.confidence()), b.resamples(), b.seed());
        err.printf("%-10s %9s %9s %9s %9s%n", "type", "mean", "low", "mid", "high");
        for (RougeType type : RougeType.values()) {
            ConfidenceInterval ci = s.interval().get(type);
            err.printf("%-10s %9.6f %9.6f %9.6f %9.6f%n", type.key(), s.mean().get(type).fmeasure(),
                    ci.low().fmeasure(), ci.mid().fmeasure(), ci.high().fmeasure());
        }
        err.flush();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
