package org.pefttrainer.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;

/**
 * The torch.save reader against files torch.save wrote: a PEFT 0.13.2 adapter (trainer-peft's llama-patterns-bin,
 * saved with safe_serialization=False, next to the same adapter as safetensors), and a state dict with fp16, bf16,
 * f64 and i64 storages, a transposed view and two tensors sharing a storage at different offsets (the fuzz seed
 * mixed-storages.bin, its values written by the same script as safetensors); and a hand-made pickle that asks for a
 * code-running global. The mutation run is trainer-cli's TorchPickleFuzz ({@code peft bench fuzz-bin}).
 */
class TorchStateDictTest {
    static final Path BIN = Path.of("..", "trainer-peft", "src", "test", "resources", "lora-variants",
            "llama-patterns-bin", "adapter", "adapter_model.bin");
    static final Path SAFE = Path.of("..", "trainer-peft", "src", "test", "resources", "lora-variants",
            "llama-patterns", "adapter", "adapter_model.safetensors");

    @Test
    void readsWhatTorchSaveWroteWithTheSameValuesAsTheSafetensorsCopy() {
        TorchStateDict d = TorchStateDict.read(BIN);
        try (SafetensorsReader s = SafetensorsReader.open(SAFE)) {
            assertEquals(s.tensors().keySet(), d.tensors().keySet());
            for (var e : d.tensors().entrySet()) {
                assertArrayEquals(s.info(e.getKey()).shape(), e.getValue().shape(), e.getKey());
                assertArrayEquals(s.readAsFloat32(e.getKey()), e.getValue().values(), e.getKey());
            }
        }
    }

    @Test
    void readsEveryStorageKindViewAndSharedStorageAsTorchWroteThem() {
        TorchStateDict d = TorchStateDict.read(Path.of("..", "trainer-cli", "src", "main", "resources", "peft",
                "fuzz-seeds", "mixed-storages.bin"));
        try (SafetensorsReader s = SafetensorsReader.open(Path.of("src", "test", "resources",
                "mixed-storages-values.safetensors"))) {
            assertEquals(s.tensors().keySet(), d.tensors().keySet());
            for (var e : d.tensors().entrySet()) {
                assertArrayEquals(s.info(e.getKey()).shape(), e.getValue().shape(), e.getKey());
                assertArrayEquals(s.readAsFloat32(e.getKey()), e.getValue().values(), e.getKey());
            }
        }
        assertEquals(org.pefttrainer.core.io.safetensors.DType.BF16, d.tensors().get("bf16").dtype());
    }

    @Test
    void aPickleAskingForAnyOtherGlobalIsRefusedNamingIt(@TempDir Path tmp) throws IOException {
        // protocol 2: GLOBAL os.system, the string "true", TUPLE1, REDUCE, STOP: what a malicious .bin does
        byte[] evil = {(byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', 'X', 4, 0, 0, 0,
            't', 'r', 'u', 'e', (byte) 0x85, 'R', '.'};
        Path f = tmp.resolve("adapter_model.bin");
        write(f, Map.of("archive/data.pkl", evil));
        UserException e = assertThrows(UserException.class, () -> TorchStateDict.read(f));
        assertTrue(e.getMessage().contains("'os.system'") && e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    /** What `peft bench fuzz-bin` found first: a tuple holding None (List.of refused it) and a cut-off integer. */
    @Test
    void aTupleOfNoneAndATruncatedIntegerAreOneLineErrors(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("adapter_model.bin");
        write(f, Map.of("archive/data.pkl", new byte[] {(byte) 0x80, 2, 'N', (byte) 0x85, '.'}));
        UserException e = assertThrows(UserException.class, () -> TorchStateDict.read(f));
        assertEquals(f + ": holds a tuple or list, expected a state dict (a dict of tensors)", e.getMessage());
        write(f, Map.of("archive/data.pkl", new byte[] {(byte) 0x80, 2, 'J', 1}));
        e = assertThrows(UserException.class, () -> TorchStateDict.read(f));
        assertEquals(f + ": data.pkl is truncated (at byte 3)", e.getMessage());
    }

    /** Found by `peft bench fuzz-bin --seed 2`: a storage key holding a line break made a two-line message. */
    @Test
    void namesFromTheFileAreEscapedInTheOneLineError(@TempDir Path tmp) throws IOException {
        java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        for (String str : new String[] {"storage", null, "1\n", "cpu"}) {
            if (str == null) {
                p.writeBytes("ctorch\nFloatStorage\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                continue;
            }
            p.write('X');
            p.writeBytes(new byte[] {(byte) str.length(), 0, 0, 0});
            p.writeBytes(str.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        p.writeBytes(new byte[] {'K', 4, 't', 'Q', '.'});
        Path f = tmp.resolve("adapter_model.bin");
        write(f, Map.of("archive/data.pkl", p.toByteArray()));
        UserException e = assertThrows(UserException.class, () -> TorchStateDict.read(f));
        assertEquals(f + ": the pickle refers to storage '1\\n', which the archive does not hold", e.getMessage());
    }

    private static void write(Path f, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        Files.write(f, out.toByteArray());
    }
}
