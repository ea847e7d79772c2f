package org.pefttrainer.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.eval.evaluate.EvalOutput;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.pefttrainer.eval.rouge.RougeFileScorer;
import org.pefttrainer.eval.rouge.RougeJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code peft rouge}: scores a JSONL of prediction/reference pairs as Google's rouge_score (HF evaluate) does. */
@Command(
        name = "rouge",
        mixinStandardHelpOptions = true,
        description = {
            "Scores predictions against references with ROUGE-1/2/L/Lsum, equal to Google's rouge_score 0.1.2"
                    + " (Hugging Face evaluate's \"rouge\").",
            "Input lines: {\"prediction\": \"...\", \"reference\": \"...\" or [\"...\", ...]} (several references:"
                    + " best F per type). Output: one line of precision/recall/fmeasure per type for each input line.",
            "The mean and rouge_score's bootstrap interval go to stderr, or as JSON to --summary; with --metrics also"
                    + " corpus BLEU (sacreBLEU's default, 0-100) and exact match (SQuAD normalisation, 0-1), each with"
                    + " a bootstrap interval."})
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

    @Option(names = "--metrics", defaultValue = "rouge,bleu,exact_match", split = ",", paramLabel = "LIST",
            description = "Metrics of the summary: rouge, bleu, exact_match (em), all (default: ${DEFAULT-VALUE}).")
    List<String> metrics;

    @Option(names = "--force", description = "Replace existing --output / --summary files (never the --input file).")
    boolean force;

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
        java.util.Set<TextMetrics.Family> families = TextMetrics.Family.parse(metrics, "--metrics");
        OutputTarget.file(output, "--output", force, List.of(new OutputTarget.Input("--input", input),
                new OutputTarget.Input("--summary", summary)));
        if (summary != null) {
            OutputTarget.file(summary, "--summary", force, List.of(new OutputTarget.Input("--input", input),
                    new OutputTarget.Input("--output", output)));
        }
        // One read of the pairs: each scored once for the per-line ROUGE output and the summary's metrics (BLEU is
        // a corpus statistic and exact match a mean, both with their own intervals)
        java.util.Set<TextMetrics.Family> scored = java.util.EnumSet.copyOf(families);
        scored.add(TextMetrics.Family.ROUGE);
        TextMetrics scoring = new TextMetrics(scored, !noStemmer, bootstrap);
        List<TextMetrics.ExampleScores> all = new java.util.ArrayList<>();
        RougeFileScorer.writeScores(input, output, p -> {
            TextMetrics.ExampleScores e = scoring.score(p.prediction(), p.references());
            all.add(e);
            return e.rouge();
        });
        TextMetrics.Summary s = new TextMetrics(families, !noStemmer, bootstrap).summarize(all);
        if (summary != null) {
            ObjectNode json = families.contains(TextMetrics.Family.ROUGE)
                    ? RougeJson.toJson(s.rouge(), !noStemmer) : Json.MAPPER.createObjectNode();
            json.setAll(EvalOutput.metricsJson(s, !noStemmer));
            AtomicFiles.writeString(summary, json.toPrettyString() + "\n");
        } else {
            printSummary(s, !noStemmer, spec.commandLine().getErr());
        }
        return 0;
    }

    static void printSummary(TextMetrics.Summary s, boolean useStemmer, PrintWriter err) {
        BootstrapSettings b = s.bootstrap();
        err.printf("%d pairs (ROUGE F with use_stemmer=%s, BLEU 0-100, exact match 0-1): value, and the %s%% bootstrap"
                        + " interval (%d resamples, seed %d)%n",
                s.count(), useStemmer, trim(100 * b.confidence()), b.resamples(), b.seed());
        err.printf("%-12s %9s %9s %9s %9s%n", "metric", "value", "low", "mid", "high");
        s.estimates().forEach((k, e) -> err.printf(java.util.Locale.ROOT, "%-12s %9.6f %9.6f %9.6f %9.6f%n", k,
                e.value(), e.low(), e.mid(), e.high()));
        err.flush();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
