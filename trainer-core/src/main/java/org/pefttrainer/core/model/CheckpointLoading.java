package org.pefttrainer.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.tensor.NdArrays;

/** What every family's loader does the same way: open the weights, check names and shapes, read fp32. */
public final class CheckpointLoading {
    private CheckpointLoading() {}

    /** Weights filled by {@code fill} from {@code folder}'s checkpoint; on any error nothing stays allocated. */
    public static Weights read(HfModelFolder folder, NDManager manager, BiConsumer<Weights, CheckpointReader> fill) {
        try (CheckpointReader ckpt = folder.openWeights()) {
            Weights weights = new Weights(manager);
            try {
                fill.accept(weights, ckpt);
            } catch (RuntimeException e) {
                weights.close();
                throw e;
            } finally {
                NdArrays.releaseScratch();
            }
            return weights;
        }
    }

    /** A one-line error listing the missing and unexpected tensors, if there are any. */
    public static void requireMatch(HfModelFolder folder, String architecture, List<List<String>> problems) {
        List<String> missing = problems.get(0);
        List<String> unexpected = problems.get(1);
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder(folder.dir() + ": checkpoint does not match the " + architecture
                + " architecture of " + HfModelFolder.CONFIG + ":");
        if (!missing.isEmpty()) {
            sb.append(" missing ").append(missing.size()).append(" tensor(s) ").append(list(missing));
        }
        if (!unexpected.isEmpty()) {
            sb.append(missing.isEmpty() ? "" : ";").append(" unexpected ").append(unexpected.size())
                    .append(" tensor(s) ").append(list(unexpected));
        }
        throw new UserException(sb.toString());
    }

    /** Reads stored tensor {@code stored} as fp32 into {@code weights} under {@code name}, shape and dtype checked. */
    public static void put(Weights weights, CheckpointReader ckpt, String stored, String name, long[] shape) {
        TensorInfo info = ckpt.info(stored);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new UserException(ckpt.fileOf(stored).path() + ": tensor '" + stored + "' has shape "
                    + info.shapeString() + ", expected " + Arrays.toString(shape) + " from " + HfModelFolder.CONFIG);
        }
        if (!info.dtype().isFloating()) {
            throw new UserException(ckpt.fileOf(stored).path() + ": tensor '" + stored + "' has dtype " + info.dtype()
                    + ", expected F32, F16 or BF16");
        }
        weights.put(name, NdArrays.createFloat32(weights.manager(), new Shape(shape), fb -> ckpt.readAsFloat32(stored, fb)));
    }

    private static String list(List<String> names) {
        int shown = Math.min(names.size(), 8);
        String s = String.join(", ", names.subList(0, shown));
        return "[" + s + (names.size() > shown ? ", ... " + (names.size() - shown) + " more" : "") + "]";
    }
}
