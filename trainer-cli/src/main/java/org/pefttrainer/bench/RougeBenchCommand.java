package org.pefttrainer.bench;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.eval.rouge.BootstrapAggregator;
import org.pefttrainer.eval.rouge.RougePair;
import org.pefttrainer.eval.rouge.RougePairReader;
import org.pefttrainer.eval.rouge.RougeScorer;
import org.pefttrainer.eval.rouge.RougeScores;
import org.pefttrainer.eval.rouge.RougeType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft bench rouge}: ROUGE scoring throughput on SAMSum lead-3 pairs (819 by default), single thread. */
@Command(
        name = "rouge",
        mixinStandardHelpOptions = true,
        description = "Scores the pairs of --input several times on one thread and prints pairs/s.")
public final class RougeBenchCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE",
            defaultValue = "${sys:peft.home:-.}/../shared/rouge-reference/samsum_test_lead3.jsonl",
            description = "JSONL of prediction/reference pairs (default: ${DEFAULT-VALUE}).")
    Path input;

    @Option(names = "--rounds", defaultValue = "10", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--no-stemmer", description = "Score without stemming.")
    boolean noStemmer;

    @Override
    public Integer call() {
        if (rounds < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be >= 1 and --warmup >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<RougePair> pairs = RougePairReader.readAll(input);
        out.printf("bench rouge: %d pairs from %s, use_stemmer=%s, %d warm-up + %d measured rounds%n",
                pairs.size(), input, !noStemmer, warmup, rounds);

        RougeScorer scorer = new RougeScorer(!noStemmer);
        Round cold = round(scorer, pairs); // empty stem cache, cold JIT
        out.printf("round 1 (cold): %.0f pairs/s wall, %.0f pairs per CPU-second%n", cold.wall(), cold.cpu());
        for (int i = 1; i < warmup; i++) {
            round(scorer, pairs);
        }
        double[] wall = new double[rounds];
        double[] cpu = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            Round r = round(scorer, pairs);
            wall[i] = r.wall();
            cpu[i] = r.cpu();
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        // CPU time of this thread is the steadier figure on a shared machine; wall time is what a user waits.
        out.printf("scoring, one thread: median %.0f pairs/s wall (min %.0f, max %.0f), median %.0f pairs per"
                        + " CPU-second (min %.0f, max %.0f), %d rounds%n",
                wall[rounds / 2], wall[0], wall[rounds - 1], cpu[rounds / 2], cpu[0], cpu[rounds - 1], rounds);

        List<RougeScores> scores = scorer.scoreAll(pairs.stream().map(RougePair::prediction).toList(),
                pairs.stream().map(RougePair::references).toList());
        double bestMillis = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            new BootstrapAggregator().addAll(scores).aggregate();
            bestMillis = Math.min(bestMillis, (System.nanoTime() - t0) / 1e6);
        }
        out.printf("bootstrap (1000 resamples x 4 types x %d scores): %.1f ms (best of 3)%n", scores.size(),
                bestMillis);
        out.flush();
        return 0;
    }

    private record Round(double wall, double cpu) {}

    private static Round round(RougeScorer scorer, List<RougePair> pairs) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long checksum = 0;
        for (RougePair p : pairs) {
            checksum += Double.doubleToRawLongBits(scorer.score(p.prediction(), p.references())
                    .get(RougeType.ROUGE_LSUM).fmeasure());
        }
        long wall = System.nanoTime() - t0;
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        if (checksum == 42) { // keeps the JIT from dropping the work; practically never true
            System.err.print("");
        }
        return new Round(pairs.size() / (wall / 1e9), pairs.size() / (Math.max(cpu, 1) / 1e9));
    }
}
