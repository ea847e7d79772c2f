package org.pefttrainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.Generator;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.adapter.Adapter;
import picocli.CommandLine;

/** {@code peft generate}: the printed texts are what the generator gives with the adapter loaded directly. */
class GenerateCommandTest {
    @TempDir static Path dir;
    static InferenceFixtures fx;
    static final String[] DECODING = {"--max-new-tokens", "5", "device=cpu", "generation.no_repeat_ngram_size=0"};

    @BeforeAll
    static void setUp() throws IOException {
        fx = new InferenceFixtures(dir);
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(List<String> args) {
        CommandLine cl = PeftCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("generate", "--model", fx.model.toString(),
                "--adapter", "a=" + fx.loraA, "--adapter", "b=" + fx.loraB, "--adapter", "p=" + fx.prompt));
        all.addAll(args);
        all.addAll(Arrays.asList(DECODING));
        return cl.execute(all.toArray(new String[0]));
    }

    /** Greedy, 5 new tokens, with the adapter folder loaded on its own (null: base model). */
    static String expected(Path adapter, String text) {
        try (NDManager m = NDManager.newBaseManager();
                HfTokenizer tok = HfTokenizer.load(fx.model)) {
            T5Model model = T5Loader.load(HfModelFolder.open(fx.model), m, null);
            long[] ids = Arrays.stream(tok.encode(text)).asLongStream().toArray();
            ForwardContext ctx = ForwardContext.inference(m);
            Adapter a = adapter == null ? null : AdapterLoader.load(adapter, model, m);
            if (a != null) {
                ctx = a.attach(ctx);
            }
            long[] gen = new Generator(model).generate(ctx, List.of(ids), GenerationConfig.builder().maxNewTokens(5)
                    .build()).best(0).tokens();
            return tok.decode(gen).strip();
        }
    }

    @Test
    void printsOneLinePerInputFromTextAndFile() throws IOException {
        Path file = Files.write(dir.resolve("inputs.txt"), List.of(InferenceFixtures.text(2), "",
                InferenceFixtures.text(3)), StandardCharsets.UTF_8);
        assertEquals(0, run(List.of("--use", "a", "--input", InferenceFixtures.text(1), "--input", "@" + file)),
                err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(List.of(expected(fx.loraA, InferenceFixtures.text(1)), expected(fx.loraA, InferenceFixtures.text(2)),
                expected(fx.loraA, InferenceFixtures.text(3))), lines);
    }

    @Test
    void interactiveSwitchesAdapters() {
        String text = InferenceFixtures.text(4);
        String script = ":adapters\n:use p\n" + text + "\n:use b\n" + text + "\n:use none\n" + text
                + "\n:use nope\n\n" + text + "\n";
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, run(List.of("--use", "a", "--interactive")), err.toString());
        } finally {
            System.setIn(saved);
        }
        List<String> lines = out.toString().lines().toList();
        // :adapters lists them (current marked), then the texts with p, b and none; the empty line ends the session
        // before the last input.
        assertEquals(6, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith("* a  LORA r=2"), lines.get(0));
        assertTrue(lines.get(1).startsWith("  b  LORA r=6"), lines.get(1));
        assertTrue(lines.get(2).startsWith("  p  PROMPT_TUNING r=3"), lines.get(2));
        assertEquals(expected(fx.prompt, text), lines.get(3));
        assertEquals(expected(fx.loraB, text), lines.get(4));
        assertEquals(expected(null, text), lines.get(5));
        assertNotEquals(lines.get(4), lines.get(5), "the adapter changes the text");
        assertTrue(err.toString().contains("no adapter 'nope' (loaded: a, b, p)"), err.toString());
    }

    @Test
    void unknownAdapterIsAOneLineError() {
        assertEquals(2, run(List.of("--use", "zz", "--input", "w1")));
        assertEquals("error: --use zz: no adapter of that name (loaded: a, b, p)", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run(List.of("--adapter", "bad", "--input", "w1")));
        assertEquals("error: --adapter bad: expected NAME=DIR, e.g. --adapter sql=checkpoints/sql/adapter",
                err.toString().strip());
    }
}
