package org.pefttrainer.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Dropout keep-masks drawn on the Java side, in parallel, as 1-byte bool tensors. torch's CPU bernoulli_ draws one
 * number at a time on a single thread (about 15% of a t5-small LoRA step); this draws 32-bit uniforms from
 * SplittableRandom in 1M-element chunks on all cores, and the bool mask is a quarter of the float noise torch would
 * keep for backward. Each mask is a pure function of (seed, call number, chunk), so a step's masks do not depend on
 * the thread count and a resumed run draws the same ones.
 */
public final class DropoutMasks {
    private static final int CHUNK = 1 << 20;
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private final long seed;
    private final AtomicLong calls = new AtomicLong();

    public DropoutMasks(long seed) {
        this.seed = seed;
    }

    /** How many masks have been drawn: where a replay of what follows starts. */
    public long position() {
        return calls.get();
    }

    /**
     * A generator that draws again the masks this one drew from {@code position} on: activation checkpointing
     * recomputes a block with the masks its first forward used.
     */
    public DropoutMasks replayFrom(long position) {
        DropoutMasks replay = new DropoutMasks(seed);
        replay.calls.set(position);
        return replay;
    }

    /** A bool mask of {@code shape} on {@code manager}, true with probability {@code keep}. */
    public NDArray keepMask(NDManager manager, Shape shape, double keep) {
        long call = calls.getAndIncrement();
        int n = Math.toIntExact(shape.size());
        ByteBuffer buf = scratch(n);
        // keep iff a uniform 32-bit draw falls below keep·2^32 (resolution 2^-32, finer than torch's float p)
        long threshold = (long) Math.floor(keep * 4294967296.0);
        int chunks = (n + CHUNK - 1) / CHUNK;
        long streamSeed = mix(seed ^ mix(call + 0x632BE59BD9B4E019L));
        IntStream.range(0, chunks).parallel().forEach(c -> {
            SplittableRandom rng = new SplittableRandom(mix(streamSeed + c * 0x9E3779B97F4A7C15L));
            int from = c * CHUNK;
            int to = Math.min(n, from + CHUNK);
            int i = from;
            for (; i + 1 < to; i += 2) {
                long r = rng.nextLong();
                buf.put(i, (byte) ((r >>> 32) < threshold ? 1 : 0));
                buf.put(i + 1, (byte) ((r & 0xFFFFFFFFL) < threshold ? 1 : 0));
            }
            if (i < to) {
                buf.put(i, (byte) ((rng.nextLong() >>> 32) < threshold ? 1 : 0));
            }
        });
        // Copied into torch-owned memory: autograd keeps the mask until backward, after this buffer is reused.
        try (NDArray staged = manager.create(buf.slice(0, n).order(ByteOrder.nativeOrder()), shape, DataType.BOOLEAN)) {
            return staged.duplicate();
        }
    }

    private static ByteBuffer scratch(int n) {
        ByteBuffer b = SCRATCH.get();
        if (b == null || b.capacity() < n) {
            b = ByteBuffer.allocateDirect(Math.max(n, 1 << 20)).order(ByteOrder.nativeOrder());
            SCRATCH.set(b);
        }
        return b;
    }

    /** SplitMix64's finaliser: decorrelates nearby seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
