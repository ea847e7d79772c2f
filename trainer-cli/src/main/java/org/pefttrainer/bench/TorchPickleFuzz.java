package org.pefttrainer.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.torch.TorchStateDict;

/**
 * A seeded mutation fuzzer of the torch.save (adapter_model.bin) reader. It starts from files torch.save wrote (see
 * resources peft/fuzz-seeds: a PEFT LoRA adapter, and a state dict with fp16/bf16/f64/i64 storages, a transposed view
 * and two tensors sharing a storage) and mutates the pickle (a random byte, a bit flip, truncation, a small integer
 * made huge or negative, the tensor-rebuilding global swapped for a code-running one) and the archive (a storage
 * record truncated, grown or removed, the zip itself cut short). Each input must end in a load or in the project's
 * one-line {@link UserException} starting with the file's path; anything else (another exception or error, a
 * multi-line message, an input slower than {@link MutationFuzz#SLOW_NANOS}) is a finding. A loaded mutant is not compared with
 * anything: a mutation inside a key or a value is a different but valid file. That the reader reads the seeds'
 * values right is trainer-core's TorchStateDictTest.
 */
public final class TorchPickleFuzz implements MutationFuzz.Target<Void> {
    static final List<String> SEEDS = List.of("lora-patterns.bin", "mixed-storages.bin");
    static final List<String> MUTATIONS = List.of("byte", "bit", "truncated-pickle", "integer", "global",
            "storage-truncated", "storage-grown", "storage-missing", "truncated-zip");

    private final Path file;
    private final List<Map<String, byte[]>> seeds = new ArrayList<>();

    public TorchPickleFuzz(Path file) {
        this.file = file;
        for (String s : SEEDS) {
            // torch.save's stored records carry data descriptors, which ZipInputStream refuses: read through ZipFile
            try (InputStream in = TorchPickleFuzz.class.getResourceAsStream("/peft/fuzz-seeds/" + s)) {
                Files.write(file, in.readAllBytes());
                try (ZipFile z = new ZipFile(file.toFile())) {
                    Map<String, byte[]> entries = new TreeMap<>();
                    for (var it = z.entries(); it.hasMoreElements();) {
                        ZipEntry e = it.nextElement();
                        entries.put(e.getName(), z.getInputStream(e).readAllBytes());
                    }
                    seeds.add(entries);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public MutationFuzz.Result run(long inputs, long seed) {
        return MutationFuzz.run(file, this, inputs, seed);
    }

    @Override
    public MutationFuzz.Input<Void> next(Random rnd) {
        int s = rnd.nextInt(seeds.size());
        String mutation = MUTATIONS.get(rnd.nextInt(MUTATIONS.size()));
        return new MutationFuzz.Input<>(mutate(new TreeMap<>(seeds.get(s)), mutation, rnd), SEEDS.get(s), mutation,
                null);
    }

    @Override
    public String load(Path f, MutationFuzz.Input<Void> in) {
        TorchStateDict.read(f);
        return null;
    }

    @Override
    public String refusal(Path f, MutationFuzz.Input<Void> in, UserException e) {
        return MutationFuzz.oneLineNamingFile(f, e);
    }

    private static byte[] mutate(Map<String, byte[]> entries, String mutation, Random rnd) {
        String pkl = entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
        List<String> storages = entries.keySet().stream().filter(n -> n.contains("/data/")).toList();
        byte[] p = entries.get(pkl).clone();
        switch (mutation) {
            case "byte" -> p[rnd.nextInt(p.length)] = (byte) rnd.nextInt(256);
            case "bit" -> p[rnd.nextInt(p.length)] ^= (byte) (1 << rnd.nextInt(8));
            case "truncated-pickle" -> p = java.util.Arrays.copyOf(p, rnd.nextInt(p.length));
            case "integer" -> { // a BININT of 0x7fffffff, -1 or a random value where a byte was
                int at = rnd.nextInt(p.length - 5);
                int v = switch (rnd.nextInt(3)) {
                    case 0 -> Integer.MAX_VALUE;
                    case 1 -> -1;
                    default -> rnd.nextInt();
                };
                p[at] = 'J';
                for (int k = 0; k < 4; k++) {
                    p[at + 1 + k] = (byte) (v >>> (8 * k));
                }
            }
            case "global" -> p = replace(p, "torch._utils\n_rebuild_tensor_v2\n", rnd.nextBoolean() ? "os\nsystem\n"
                    : "builtins\neval\n");
            case "storage-truncated", "storage-grown", "storage-missing" -> {
                String s = storages.get(rnd.nextInt(storages.size()));
                byte[] b = entries.get(s);
                if (mutation.equals("storage-missing")) {
                    entries.remove(s);
                } else {
                    entries.put(s, java.util.Arrays.copyOf(b, mutation.equals("storage-truncated")
                            ? rnd.nextInt(Math.max(1, b.length)) : b.length + 1 + rnd.nextInt(8)));
                }
            }
            default -> { }
        }
        entries.put(pkl, p);
        byte[] zip = zip(entries);
        return mutation.equals("truncated-zip") ? java.util.Arrays.copyOf(zip, rnd.nextInt(zip.length)) : zip;
    }

    private static byte[] replace(byte[] b, String from, String to) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        return s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
