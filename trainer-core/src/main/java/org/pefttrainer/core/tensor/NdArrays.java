package org.pefttrainer.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.function.Consumer;

/**
 * Creating NDArrays whose memory PyTorch owns. DJL's create(Buffer) wraps a direct buffer without copying and
 * keeps it alive through the Java object, so native memory would depend on the garbage collector; here data is
 * staged in a reusable direct buffer and cloned into a torch-owned tensor.
 */
public final class NdArrays {
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private NdArrays() {}

    /** Creates an fp32 array of {@code shape} on {@code manager}, filled by {@code fill} (a FloatBuffer of the exact size). */
    public static NDArray createFloat32(NDManager manager, Shape shape, Consumer<FloatBuffer> fill) {
        long n = shape.size();
        ByteBuffer buf = scratch(Math.multiplyExact(n, 4L));
        FloatBuffer fb = buf.asFloatBuffer();
        fb.limit((int) n);
        fill.accept(fb);
        try (NDArray staged = manager.create(buf.slice(0, (int) (n * 4)).order(ByteOrder.nativeOrder()), shape,
                DataType.FLOAT32)) {
            return staged.duplicate();
        }
    }

    public static NDArray createFloat32(NDManager manager, Shape shape, float[] data) {
        return createFloat32(manager, shape, fb -> fb.put(data));
    }

    private static ByteBuffer scratch(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor larger than 2 GiB: " + bytes + " bytes");
        }
        ByteBuffer b = SCRATCH.get();
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect((int) Math.max(bytes, 1 << 20)).order(ByteOrder.nativeOrder());
            SCRATCH.set(b);
        }
        b.clear();
        return b;
    }

    /** Releases this thread's staging buffer (after loading a model). */
    public static void releaseScratch() {
        SCRATCH.remove();
    }

    /**
     * Overwrites {@code target} with {@code values} in place, as the optimizer updates it, so an array that requires
     * a gradient keeps it: NDArray.set on such an array goes through PyTorch's deprecated AutoNonVariableTypeMode,
     * which prints a warning every time. Autograd must be off on this thread.
     */
    public static void overwrite(NDArray target, float[] values) {
        try (NDArray v = target.getManager().create(values, target.getShape())) {
            target.muli(0).addi(v);
        }
    }

    public static NDArray fromLong2d(NDManager manager, long[][] rows) {
        int r = rows.length;
        int c = r == 0 ? 0 : rows[0].length;
        long[] flat = new long[r * c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(rows[i], 0, flat, i * c, c);
        }
        return manager.create(flat, new Shape(r, c));
    }
}
