package org.pefttrainer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.eval.compare.ComparePage;
import org.pefttrainer.eval.compare.ComparedRow;
import org.pefttrainer.eval.compare.Comparison;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peft compare}: one table of runs and evaluations, the first as the baseline. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Puts run folders (checkpoints/RUN: its best epoch's validation predictions and summary.json)"
                + " and peft eval folders (zero-shot or with an adapter) side by side: method, trainable parameters,"
                + " adapter size, training time, tokens/s, peak memory, ROUGE-1/2/L/Lsum, BLEU, exact match (with"
                + " bootstrap intervals) and loss; then each row's difference to the first with a paired bootstrap"
                + " p-value where both scored the same examples. Prints the table; --markdown and --html write it.",
            "Example: peft compare runs/eval-zero-shot runs/eval-full runs/eval-lora runs/eval-prompt --html compare.html"})
public final class CompareCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Run or eval folders; the first is the baseline.")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the tables as Markdown.")
    Path markdown;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML page with charts.")
    Path html;

    @Option(names = "--force", description = "Replace existing --markdown / --html files.")
    boolean force;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    int seed;

    @Option(names = "--confidence", defaultValue = "0.95", description = "Interval confidence (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Override
    public Integer call() {
        BootstrapSettings b;
        try {
            b = new BootstrapSettings(confidence, resamples, seed);
        } catch (IllegalArgumentException e) {
            throw new UserException("--resamples/--seed/--confidence: " + e.getMessage());
        }
        List<OutputTarget.Input> inputs = new ArrayList<>();
        dirs.forEach(d -> inputs.add(new OutputTarget.Input("DIR", d)));
        if (markdown != null) {
            List<OutputTarget.Input> in = new ArrayList<>(inputs);
            in.add(new OutputTarget.Input("--html", html));
            OutputTarget.file(markdown, "--markdown", force, in);
        }
        if (html != null) {
            OutputTarget.file(html, "--html", force, inputs);
        }
        List<ComparedRow> rows = new ArrayList<>();
        for (Path d : dirs) {
            rows.add(ComparedRow.read(d));
        }
        Comparison c = Comparison.of(rows, b);
        PrintWriter out = spec.commandLine().getOut();
        out.print(c.toText());
        if (markdown != null) {
            AtomicFiles.writeString(markdown, c.toMarkdown());
            out.println("wrote " + markdown);
        }
        if (html != null) {
            ComparePage.write(c, html);
            out.println("wrote " + html);
        }
        out.flush();
        return 0;
    }
}
