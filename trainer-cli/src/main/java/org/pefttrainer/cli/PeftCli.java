package org.pefttrainer.cli;

import org.pefttrainer.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ./peft} launcher: one picocli sub-command per job. */
@Command(
        name = "peft",
        mixinStandardHelpOptions = true,
        version = "peft-trainer 0.1.0",
        description = "Parameter-efficient fine-tuning (LoRA, prompt tuning) of Hugging Face T5, Llama, Mistral, Qwen2 and GPT-2 models on DJL.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            MergeCommand.class,
            GenerateCommand.class,
            ServeCommand.class,
            InitModelCommand.class,
            InspectCommand.class,
            RougeCommand.class,
            CompareCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class PeftCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PeftCli());
        // "@FILE" means an input file to our commands (generate --input @inputs.txt), not picocli's argument file.
        cl.setExpandAtFiles(false);
        cl.setExecutionExceptionHandler(new UserErrorHandler());
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
