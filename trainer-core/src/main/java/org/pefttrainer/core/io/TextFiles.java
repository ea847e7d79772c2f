package org.pefttrainer.core.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.UserException;

/**
 * Text files a user hands us (datasets, configs, corpora, input lists) are UTF-8: read strictly, so that a Latin-1
 * or binary file is a one-line error naming the file and line, never a stack trace or silent U+FFFD characters.
 */
public final class TextFiles {
    private TextFiles() {}

    /** A reader that throws {@link CharacterCodingException} on bytes that are not UTF-8 (Java's default replaces them). */
    public static BufferedReader strictReader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), strictDecoder()));
    }

    /** The whole file as a string; {@code what} names it in errors ("config file", "--input file"). */
    public static String readUtf8(Path file, String what) {
        requireFile(file, what);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw cannotRead(file, what, e);
        }
        try {
            return strictDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw notUtf8(file, lineOfFirstBadByte(bytes));
        }
    }

    /** Lines of a UTF-8 file (strict). */
    public static List<String> readLines(Path file, String what) {
        return readUtf8(file, what).lines().toList();
    }

    /** A regular, readable file, or a one-line error ("is a folder", "not found"). */
    public static void requireFile(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new UserException(file + ": is a folder; the " + what + " must be a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserException(file + ": " + what + " not found");
        }
    }

    /** The error for bytes that are not UTF-8 at {@code line} (1-based; 0 when unknown). */
    public static UserException notUtf8(Path file, long line) {
        return new UserException(file + (line > 0 ? " line " + line : "") + ": not valid UTF-8 (save the file as UTF-8)");
    }

    /** The error for a file a strict reader found not to be UTF-8: the line is found by reading the file again. */
    public static UserException notUtf8(Path file) {
        try {
            return notUtf8(file, lineOfFirstBadByte(Files.readAllBytes(file)));
        } catch (IOException | OutOfMemoryError e) {
            return notUtf8(file, 0);
        }
    }

    public static UserException cannotRead(Path file, String what, IOException e) {
        if (e instanceof CharacterCodingException) {
            return notUtf8(file);
        }
        return new UserException(file + ": cannot read the " + what + " (" + e.getMessage() + ")", e);
    }

    /** 1-based line of the first byte sequence that is not UTF-8. */
    static long lineOfFirstBadByte(byte[] bytes) {
        CharsetDecoder d = strictDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        var result = d.decode(in, out, true);
        int bad = result.isError() ? in.position() : bytes.length;
        long line = 1;
        for (int i = 0; i < bad; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** A UTF-8 decoder that reports bytes that are not UTF-8 (Java's readers replace them with U+FFFD). */
    /** A UTF-8 decoder that reports malformed or unmappable bytes instead of replacing them. */
    public static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
