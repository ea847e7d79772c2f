package org.pefttrainer.core.io.safetensors;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Unmaps a memory-mapped region as soon as it has been read. Java unmaps a MappedByteBuffer only when the garbage
 * collector frees it, and until then every page read stays in the process's resident set: reading a whole checkpoint
 * tensor by tensor would count the whole file, however little heap is used. sun.misc.Unsafe.invokeCleaner (module
 * jdk.unsupported, present in every JDK 9+) releases the mapping at once; where it is missing this does nothing and
 * the collector does it later.
 */
final class MappedRegions {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method clean = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            clean = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            clean = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = clean;
    }

    private MappedRegions() {}

    /** Unmaps {@code mapped} (a buffer straight from FileChannel.map, not a slice or view); never use it after. */
    static void release(ByteBuffer mapped) {
        if (INVOKE_CLEANER == null || mapped == null || !mapped.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, mapped);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // leave it to the garbage collector
        }
    }
}
