package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pefttrainer.core.config.ConfigTestFiles.CLOCK;
import static org.pefttrainer.core.config.ConfigTestFiles.load;
import static org.pefttrainer.core.config.ConfigTestFiles.write;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Includes resolve relative to the including file; the default config is found on disk or in the jar. */
class IncludesAndDefaultTest {
    @TempDir Path dir;

    @Test
    void includesAreRelativeToTheIncludingFile() {
        write(dir, "exp/common/optim.conf", "optim { lr = 0.002, eps = 1e-6 }");
        write(dir, "exp/common/base-run.conf", "include \"optim.conf\"", "train.batch_size = 2");
        Path f = write(dir, "exp/run.conf", "include \"common/base-run.conf\"", "optim.eps = 1e-7");
        TrainerConfig s = load(f).settings();
        assertEquals(0.002, s.optim().lr());
        assertEquals(1e-7, s.optim().eps());
        assertEquals(2, s.train().batchSize());
    }

    @Test
    void unknownKeyInAnIncludedFileNamesThatFile() {
        Path inc = write(dir, "exp/inc.conf", "", "train.epoch = 2");
        Path f = write(dir, "exp/run.conf", "include \"inc.conf\"");
        assertEquals(List.of(inc + ":2: unknown key 'train.epoch' (did you mean 'train.epochs'?)"),
                ConfigTestFiles.problems(() -> load(f)));
    }

    @Test
    void aConfigOutsideConfigsGetsTheSchemaFromTheJar() {
        // No base.conf beside it: the include takes the jar's copy (any other missing include is an error).
        Path f = write(dir, "elsewhere/mine.conf", "include \"base.conf\"", "peft.lora.r = 4");
        TrainerConfig s = load(f).settings();
        assertEquals(4, s.peft().lora().getInt("r"));
        assertEquals(16, s.peft().lora().getInt("alpha"));
    }

    @Test
    void theJarsBaseConfCanBeIncludedByName() {
        Path f = write(dir, "elsewhere/mine.conf", "include classpath(\"peft/base.conf\")", "peft.lora.r = 4");
        TrainerConfig s = load(f).settings();
        assertEquals(4, s.peft().lora().getInt("r"));
        assertEquals(16, s.peft().lora().getInt("alpha"));
    }

    @Test
    void defaultConfigComesFromPeftHome() {
        write(dir, "configs/default.conf", "include \"base.conf\"", "train.batch_size = 3");
        String old = System.getProperty(ConfigLoader.HOME_PROPERTY);
        System.setProperty(ConfigLoader.HOME_PROPERTY, dir.toString());
        try {
            LoadedConfig l = ConfigLoader.loadDefault(List.of("optim.lr=0.01"), CLOCK);
            assertEquals(dir.resolve("configs/default.conf").toString(), l.source());
            assertEquals(3, l.settings().train().batchSize());
            assertEquals(0.01, l.settings().optim().lr());
            assertEquals("default-20250304-050607", l.settings().run().name());
            assertEquals(l.config(), ConfigLoader.load(null, List.of("optim.lr=0.01"), CLOCK).config());
        } finally {
            if (old == null) {
                System.clearProperty(ConfigLoader.HOME_PROPERTY);
            } else {
                System.setProperty(ConfigLoader.HOME_PROPERTY, old);
            }
        }
    }

    @Test
    void theJarsDefaultIsConfigsDefaultConf() {
        // Tests run in trainer-core/, which has no configs/default.conf. With peft.home pointing at a folder without
        // one, the jar's copy loads, its paths relative to that folder's configs/ as the file's are to its own.
        String old = System.getProperty(ConfigLoader.HOME_PROPERTY);
        System.setProperty(ConfigLoader.HOME_PROPERTY, ConfigTestFiles.CONFIGS.toAbsolutePath().normalize().getParent()
                .resolve("no-such-project").toString());
        try {
            LoadedConfig fromJar = ConfigLoader.loadDefault(List.of(), CLOCK);
            assertEquals(ConfigLoader.DEFAULT_RESOURCE, fromJar.source());
            LoadedConfig fromDisk = load(ConfigTestFiles.CONFIGS.resolve("default.conf"));
            assertEquals(fromDisk.config().withoutPath("run.output_dir").withoutPath("model").withoutPath("data.path"),
                    fromJar.config().withoutPath("run.output_dir").withoutPath("model").withoutPath("data.path"));
            java.nio.file.Path home = java.nio.file.Path.of(System.getProperty(ConfigLoader.HOME_PROPERTY));
            assertEquals(home.resolve("data/dialogues"), fromJar.settings().data().path());
            assertEquals(home.resolve("checkpoints"), fromJar.settings().run().outputDir());
        } finally {
            if (old != null) {
                System.setProperty(ConfigLoader.HOME_PROPERTY, old);
            } else {
                System.clearProperty(ConfigLoader.HOME_PROPERTY);
            }
        }
    }
}
