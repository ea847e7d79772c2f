package org.pefttrainer.recipes;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.eval.evaluate.EvalResult;

/**
 * {@code peft train} and {@code peft eval} on a cluster (spark.master set, or under spark-submit). The
 * implementation lives in the trainer-spark module and is found with {@link ServiceLoader}, so this module and
 * every other command run without Spark on the class path.
 */
public interface ClusterRecipes {
    Trainer.Result train(LoadedConfig config, Path resumeDir, PrintStream out);

    EvalResult eval(LoadedConfig config, OutputTarget target, PrintStream out);

    /** Whether this command runs on a cluster: spark.master is set, or spark-submit started the JVM. */
    static boolean wanted(LoadedConfig config) {
        return config.settings().spark().master().isPresent() || System.getProperty("spark.master") != null;
    }

    /** The cluster implementation on the class path; a one-line error when there is none. */
    static ClusterRecipes find() {
        Optional<ClusterRecipes> found = ServiceLoader.load(ClusterRecipes.class).findFirst();
        return found.orElseThrow(() -> new UserException("spark.master is set, but the Spark module (trainer-spark) "
                + "is not on the class path: run through ./peft (which adds it) or spark-submit its jar, see"
                + " docs/spark.md"));
    }
}
