package org.pefttrainer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.peft.registry.AdapterInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft generate}: text from a base model with one of several loaded adapters, once or interactively. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generates text with a base model and adapters loaded by name (LoRA or prompt tuning), for"
                + " --input texts or interactively. Decoding follows the model folder's generation_config.json (then"
                + " transformers' defaults), then the generation keys a CONFIG or override sets, then the flags.",
            "Examples:",
            "  peft generate --model models/flan-t5-base --adapter sum=checkpoints/run/adapter --use sum"
                    + " --input \"Summarize: ...\"",
            "  peft generate --model M --adapter a=A --adapter b=B --use a --input @inputs.txt --num-beams 4",
            "  peft generate --model M --adapter a=A --adapter b=B --interactive     (:use NAME, :adapters, empty line ends)"})
public final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin InferenceOptions options;

    @Option(names = "--use", paramLabel = "NAME", description = "The adapter to generate with (default: the only one loaded, else none).")
    String use;

    @Option(names = "--input", paramLabel = "TEXT|@FILE",
            description = "Input text, or @FILE with one input per line; repeatable. All inputs run as one batch.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--interactive", description = "Read inputs from stdin: ':use NAME' switches adapter (':use none' for the base model), ':adapters' lists them, an empty line or EOF ends.")
    boolean interactive;

    @Override
    public Integer call() throws IOException {
        if (inputs.isEmpty() && !interactive) {
            throw new UserException("give --input TEXT (or @FILE), or --interactive");
        }
        PrintWriter out = spec.commandLine().getOut();
        LoadedConfig loaded = options.config();
        TrainerConfig cfg = loaded.settings();
        try (InferenceEngine engine = options.open(cfg, false)) {
            String adapter = use;
            if (adapter == null && engine.registry().list().size() == 1) {
                adapter = engine.registry().list().keySet().iterator().next();
            }
            if (adapter != null && (adapter.equals("none") || adapter.isEmpty())) {
                adapter = null;
            }
            if (adapter != null && !engine.registry().contains(adapter)) {
                throw new UserException("--use " + adapter + ": no adapter of that name (loaded: "
                        + names(engine) + ")");
            }
            GenerationConfig config = options.decoding(cfg, engine, spec.commandLine().getErr()).settings();
            if (!inputs.isEmpty()) {
                List<String> texts = readInputs();
                List<InferenceEngine.Row> rows = new ArrayList<>();
                for (String t : texts) {
                    rows.add(new InferenceEngine.Row(adapter, t));
                }
                for (Completion c : engine.generate(rows, config)) {
                    print(out, c);
                }
            }
            if (interactive) {
                interact(engine, config, adapter, out);
            }
            out.flush();
        }
        return 0;
    }

    private static void print(PrintWriter out, Completion c) {
        if (c.generated().size() == 1) {
            out.println(c.best());
        } else {
            for (int i = 0; i < c.generated().size(); i++) {
                out.println("[" + (i + 1) + "] " + c.generated().get(i));
            }
        }
        out.flush();
    }

    private void interact(InferenceEngine engine, GenerationConfig config, String adapter, PrintWriter out)
            throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter err = spec.commandLine().getErr();
        String current = adapter;
        err.println("adapter: " + (current == null ? "none (base model)" : current) + "; loaded: " + names(engine)
                + ". ':use NAME' switches, ':adapters' lists, an empty line ends.");
        while (true) {
            err.print((current == null ? "" : current) + "> ");
            err.flush();
            String line = in.readLine();
            if (line == null || line.isBlank()) {
                break;
            }
            String t = line.strip();
            if (t.equals(":adapters")) {
                for (AdapterInfo i : engine.registry().list().values()) {
                    out.printf("%s%s  %s r=%d %s%n", i.name().equals(current) ? "* " : "  ", i.name(),
                            i.type().peftType(), i.rank(), i.path() == null ? "" : i.path());
                }
                out.flush();
            } else if (t.startsWith(":use")) {
                String name = t.substring(4).strip();
                if (name.isEmpty() || name.equals("none")) {
                    current = null;
                } else if (engine.registry().contains(name)) {
                    current = name;
                } else {
                    err.println("no adapter '" + name + "' (loaded: " + names(engine) + ")");
                    continue;
                }
                err.println("adapter: " + (current == null ? "none (base model)" : current));
            } else if (t.startsWith(":")) {
                err.println("commands: :use NAME, :use none, :adapters; an empty line ends");
            } else {
                print(out, engine.generate(List.of(new InferenceEngine.Row(current, line)), config).get(0));
            }
        }
    }

    private List<String> readInputs() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String i : inputs) {
            if (i.startsWith("@")) {
                Path f = Path.of(i.substring(1));
                if (!Files.exists(f)) {
                    throw new UserException("--input " + i + ": file not found");
                }
                for (String line : TextFiles.readLines(f, "--input file")) {
                    if (!line.isBlank()) {
                        texts.add(line);
                    }
                }
            } else {
                texts.add(i);
            }
        }
        if (texts.isEmpty()) {
            throw new UserException("--input: no text (the files are empty)");
        }
        return texts;
    }

    private static String names(InferenceEngine engine) {
        Set<String> n = engine.registry().list().keySet();
        return n.isEmpty() ? "none" : String.join(", ", n);
    }
}
