package org.pefttrainer.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;

/**
 * The torch.save reader against files PEFT 0.13.2 wrote (trainer-peft's lora-variants *-bin cases, saved with
 * safe_serialization=False next to the same adapter as safetensors in the non-bin case), a hand-made pickle that asks
 * for a code-running global, and a seeded mutation run over data.pkl: every input must load or end in the one-line
 * error that names the file.
 */
class TorchStateDictFuzzTest {
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
    void aPickleAskingForAnyOtherGlobalIsRefusedNamingIt(@TempDir Path tmp) throws IOException {
        // protocol 2: GLOBAL os.system, the string "true", TUPLE1, REDUCE, STOP: what a malicious .bin does
        byte[] evil = {(byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', 'X', 4, 0, 0, 0,
            't', 'r', 'u', 'e', (byte) 0x85, 'R', '.'};
        Path f = tmp.resolve("adapter_model.bin");
        write(f, Map.of("archive/data.pkl", evil));
        UserException e = assertThrows(UserException.class, () -> TorchStateDict.read(f));
        assertTrue(e.getMessage().contains("'os.system'") && e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    void mutatedPicklesLoadOrFailWithOneLineNamingTheFile(@TempDir Path tmp) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipFile z = new ZipFile(BIN.toFile())) {
            for (var it = z.entries(); it.hasMoreElements();) {
                ZipEntry e = it.nextElement();
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        String pkl = entries.keySet().stream().filter(n -> n.endsWith("data.pkl")).findFirst().orElseThrow();
        byte[] original = entries.get(pkl);
        Random rnd = new Random(20);
        int loaded = 0;
        int refused = 0;
        List<String> findings = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            byte[] b = original.clone();
            switch (i % 4) {
                case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // a random byte
                case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8)); // a bit flip
                case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length)); // truncated
                default -> { // a small integer (sizes, strides, offsets, numel) made huge or negative
                    int at = rnd.nextInt(b.length - 1);
                    b[at] = 'J';
                    b[at + 1] = (byte) 0xff;
                }
            }
            Map<String, byte[]> mutated = new TreeMap<>(entries);
            mutated.put(pkl, b);
            Path f = tmp.resolve("m" + i + ".bin");
            write(f, mutated);
            try {
                TorchStateDict.read(f);
                loaded++;
            } catch (UserException e) {
                refused++;
                if (!e.getMessage().startsWith(f.toString()) || e.getMessage().contains("\n")) {
                    findings.add(i + ": " + e.getMessage());
                }
            } catch (RuntimeException | StackOverflowError e) {
                findings.add(i + ": " + e);
            }
            Files.delete(f);
        }
        System.out.printf("torch.save fuzz: 400 inputs, %d loaded, %d refused, %d findings%n", loaded, refused,
                findings.size());
        assertTrue(findings.isEmpty(), String.join("\n", findings));
        assertFalse(refused == 0);
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
