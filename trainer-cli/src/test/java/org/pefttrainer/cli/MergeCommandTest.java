package org.pefttrainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.io.Json;
import picocli.CommandLine;

/** {@code peft merge}: exit codes and one-line messages; the merge math is tested in trainer-peft and -parity. */
class MergeCommandTest {
    @TempDir static Path dir;
    static InferenceFixtures fx;

    @BeforeAll
    static void setUp() throws IOException {
        fx = new InferenceFixtures(dir);
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = PeftCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "merge";
        System.arraycopy(args, 0, all, 1, args.length);
        return cl.execute(all);
    }

    @Test
    void mergesVerifiesAndRefusesToOverwrite() {
        Path merged = dir.resolve("merged");
        assertEquals(0, run("--base", fx.model.toString(), "--adapter", fx.loraA.toString(), "--out", merged.toString(),
                "--verify"), err.toString());
        assertTrue(out.toString().contains(": OK"), out.toString());
        assertTrue(out.toString().contains("merged adapter " + fx.loraA + " (r=2, scaling 16.0) into 12 of 47 tensors"),
                out.toString());
        assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")));

        assertEquals(2, run("--base", fx.model.toString(), "--adapter", fx.loraB.toString(), "--out", merged.toString()));
        assertEquals("error: " + merged + ": already exists (use --force to replace it)", err.toString().strip());
        out.getBuffer().setLength(0);
        assertEquals(0, run("--base", fx.model.toString(), "--adapter", fx.loraA.toString(), "--adapter",
                fx.loraB.toString(), "--weights", "0.5,0.5", "--combination", "cat", "--out", merged.toString(),
                "--force", "--dtype", "bf16", "--verify", "--save-combined", dir.resolve("combined").toString()), err.toString());
        assertTrue(out.toString().contains("2 adapters (cat)"), out.toString());
        assertEquals("bfloat16", Json.readObject(merged.resolve("config.json")).get("torch_dtype").asText());
        assertEquals(8, Json.readObject(dir.resolve("combined/adapter_config.json")).get("r").asInt());
    }

    @Test
    void verifyFailureWritesNothing() {
        Path never = dir.resolve("never");
        assertEquals(2, run("--base", fx.model.toString(), "--adapter", fx.loraB.toString(), "--out", never.toString(),
                "--dtype", "bf16", "--verify", "--tolerance", "1e-9"));
        assertTrue(out.toString().contains(": FAILED"), out.toString());
        assertTrue(err.toString().startsWith("error: merge --verify: the merged model's logits differ from "
                + "base+adapter by "), err.toString());
        assertFalse(Files.exists(never));
    }

    @Test
    void refusalsAreOneLine() {
        assertEquals(2, run("--base", fx.model.toString(), "--adapter", fx.prompt.toString(), "--out",
                dir.resolve("p").toString()));
        assertEquals("error: " + fx.prompt + ": a prompt-tuning adapter cannot be merged: it adds virtual tokens to the "
                + "input embeddings, not weight deltas (load it at inference with generate/serve --adapter instead)",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run("--base", fx.model.toString(), "--adapter", fx.loraA.toString(), "--adapter",
                fx.loraB.toString(), "--weights", "1,1", "--out", dir.resolve("x").toString()));
        assertEquals("error: linear combination needs adapters of equal rank, got lora-a r=2, lora-b r=6 (use "
                + "--combination cat for different ranks)", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run("--base", fx.model.toString(), "--adapter", fx.loraA.toString(), "--adapter",
                fx.loraB.toString(), "--out", dir.resolve("x").toString()));
        assertEquals("error: 2 adapters given without --weights (one weight per adapter, e.g. --weights 0.7,0.3)",
                err.toString().strip());
    }
}
