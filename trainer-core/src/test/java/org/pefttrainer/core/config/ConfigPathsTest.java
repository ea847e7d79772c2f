package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pefttrainer.core.config.ConfigTestFiles.load;
import static org.pefttrainer.core.config.ConfigTestFiles.write;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relative paths: a config file's against its own folder, overrides against the working directory. */
class ConfigPathsTest {
    @TempDir Path dir;

    private static final Path CWD = Path.of("").toAbsolutePath();

    @Test
    void pathsWrittenInAConfigAreRelativeToItsFolder() {
        Path f = write(dir.resolve("exp/configs"), "run.conf",
                "model.path = \"../models/m\"",
                "data.path = data",
                "adapter = \"/abs/adapter\"",
                "serve.adapters { a = \"../adapters/a\" }");
        TrainerConfig s = load(f).settings();
        Path folder = dir.resolve("exp/configs");
        assertEquals(dir.resolve("exp/models/m"), s.model().path());
        assertEquals(folder.resolve("data"), s.data().path());
        assertEquals(Path.of("/abs/adapter"), s.adapter().orElseThrow());
        assertEquals(Map.of("a", dir.resolve("exp/adapters/a")), s.serve().adapters());
        // base.conf's defaults count as written in the config: checkpoints/ beside it.
        assertEquals(folder.resolve("checkpoints"), s.run().outputDir());
        assertEquals(folder.resolve("data/dialogues/train.jsonl"), s.model().init().tokenizerCorpus());
    }

    @Test
    void overridesAreRelativeToTheWorkingDirectory() {
        Path f = write(dir, "run.conf", "data.path = data");
        TrainerConfig s = load(f, "data.path=mine", "model.path=../m", "run.output_dir=/tmp/out",
                "serve.adapters.b=x/b").settings();
        assertEquals(CWD.resolve("mine"), s.data().path());
        assertEquals(CWD.getParent().resolve("m"), s.model().path());
        assertEquals(Path.of("/tmp/out"), s.run().outputDir());
        assertEquals(CWD.resolve("x/b"), s.serve().adapters().get("b"));
        // ~key restores the default, which is the config's again.
        assertEquals(dir.resolve("checkpoints"), load(f, "run.output_dir=o", "~run.output_dir").settings().run().outputDir());
    }

    @Test
    void theSavedConfigHoldsAbsolutePathsSoItLoadsFromAnyFolder() {
        Path f = write(dir.resolve("a"), "run.conf", "data.path = data", "model.path = m");
        LoadedConfig first = load(f);
        Path saved = write(dir.resolve("elsewhere/run-folder"), "config.conf", first.rendered());
        TrainerConfig again = load(saved).settings();
        assertEquals(dir.resolve("a/data"), again.data().path());
        assertEquals(dir.resolve("a/m"), again.model().path());
        assertEquals(first.settings().run().outputDir(), again.run().outputDir());
    }
}
