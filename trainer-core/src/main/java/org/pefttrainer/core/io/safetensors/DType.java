package org.pefttrainer.core.io.safetensors;

import java.util.Locale;

/** Element types of the safetensors format, with their names in the header and their sizes in bytes. */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return floating;
    }

    /** Returns the type for a header name, or null when the name is not one of the safetensors types. */
    public static DType fromHeaderName(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Parses a user-facing name such as {@code f32}, {@code bf16} or {@code float16}. */
    public static DType parseUserName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "f32": case "fp32": case "float32": case "float": return F32;
            case "f16": case "fp16": case "float16": case "half": return F16;
            case "bf16": case "bfloat16": return BF16;
            default: return null;
        }
    }
}
