package org.pefttrainer.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * The folders tools/reference/make_peft_adapter_samples.py wrote with PEFT 0.13.2 (test resources peft-samples/):
 * a tiny random T5, three adapters and the logits PEFT computes with them.
 */
public final class PeftSamples {
    private PeftSamples() {}

    public static Path dir() {
        try {
            return Path.of(PeftSamples.class.getResource("/peft-samples").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path adapter(String name) {
        return dir().resolve(name);
    }

    public static T5Model tinyT5(NDManager manager) {
        return T5Loader.load(HfModelFolder.open(dir().resolve("tiny-t5")), manager, null);
    }

    public static SafetensorsReader expected() {
        return SafetensorsReader.open(dir().resolve("expected.safetensors"));
    }

    /** Logits [B, T, V] of the sample inputs through {@code model} with {@code ctx} (inference unless set). */
    public static float[] logits(Seq2SeqLM model, ForwardContext ctx) {
        try (SafetensorsReader e = expected()) {
            NDManager m = ctx.manager();
            NDArray ids = longs(m, e, "input_ids");
            NDArray mask = longs(m, e, "attention_mask");
            NDArray dec = longs(m, e, "decoder_input_ids");
            return model.forward(ctx, ids, mask, dec).toFloatArray();
        }
    }

    public static NDArray longs(NDManager m, SafetensorsReader e, String name) {
        return m.create(e.readAsLongs(name), new Shape(e.info(name).shape()));
    }

    /** A writable copy of a sample adapter folder. */
    public static Path copy(String name, Path into) {
        Path target = into.resolve(name);
        try (Stream<Path> files = Files.list(adapter(name))) {
            Files.createDirectories(target);
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return target;
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
