package org.pefttrainer.spark;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.SparkConfig;

/**
 * Starts the Spark application a command runs in, from the config's {@code spark} section (or spark-submit's
 * properties), and checks up front what would otherwise hang: a master nobody listens on, a cluster with fewer
 * task slots than {@code spark.workers}.
 */
final class SparkContexts {
    private SparkContexts() {}

    /** The master URL: spark.master of the config, else spark-submit's. */
    static String master(SparkConfig spark) {
        return spark.master().orElseGet(() -> System.getProperty("spark.master", "local[*]"));
    }

    static boolean local(String master) {
        return master.startsWith("local[") || master.equals("local");
    }

    /** The Spark properties this tool sets (the user's spark.conf and spark-submit's win). */
    static SparkConf conf(SparkConfig spark, String appName) {
        String master = master(spark);
        SparkConf conf = new SparkConf(true).setAppName(appName).setMaster(master);
        spark.conf().forEach(conf::set);
        setIfAbsent(conf, "spark.task.cpus", String.valueOf(spark.taskCpus()));
        // Several PyTorch processes spinning on the same cores slow each other down many times over: every
        // executor's OpenMP threads sleep while they wait, and there are as many as its task was given.
        setIfAbsent(conf, "spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        String torch = "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=" + conf.get("spark.task.cpus")
                + " -Dai.djl.pytorch.num_interop_threads=1";
        conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + " " + torch)
                .strip());
        setIfAbsent(conf, "spark.ui.enabled", "false");
        if (master.startsWith("local-cluster")) {
            // Executors of a local cluster are JVMs started from the driver's class path (tests and benchmarks).
            List<String> entries = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    entries.add(Path.of(e).toAbsolutePath().toString());
                }
            }
            setIfAbsent(conf, "spark.executor.extraClassPath", String.join(File.pathSeparator, entries));
        }
        return conf;
    }

    private static void setIfAbsent(SparkConf conf, String key, String value) {
        if (!conf.contains(key)) {
            conf.set(key, value);
        }
    }

    /** Starts the context; every failure to start is one line naming spark.master. */
    static JavaSparkContext open(SparkConfig spark, String appName, PrintStream out) {
        String master = master(spark);
        if (master.startsWith("spark://")) {
            reachable(master, spark.connectTimeoutS());
        }
        SparkConf conf = conf(spark, appName);
        if (local(master) && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            // Local mode runs the tasks in this JVM: its PyTorch gets the threads one task was given.
            System.setProperty("ai.djl.pytorch.num_threads", conf.get("spark.task.cpus"));
        }
        long t0 = System.nanoTime();
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(conf);
        } catch (Exception e) { // Spark's own SparkException is a checked one, thrown from Scala
            throw new UserException("spark.master = " + master + ": the Spark application did not start ("
                    + oneLine(e) + ")", e);
        }
        out.printf(Locale.ROOT, "spark: %s, application %s started in %.1f s%n", master, sc.sc().applicationId(),
                (System.nanoTime() - t0) / 1e9);
        return sc;
    }

    /** A standalone master that refuses connections fails here, not after Spark's minute of retries. */
    static void reachable(String master, double timeoutS) {
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1).replaceAll("/.*", ""));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), (int) Math.min(10_000, timeoutS * 1000));
                return;
            } catch (IOException e) {
                if (!master.contains(",")) {
                    throw new UserException("spark.master = " + master + ": cannot reach the master at " + host + ":"
                            + port + " (" + e.getMessage() + "); start it or fix the URL");
                }
            }
        }
        throw new UserException("spark.master = " + master + ": none of its masters can be reached; start one or fix"
                + " the URL");
    }

    /**
     * Waits until the cluster has {@code wanted} task slots (0: as many as it is expected to have), and returns how
     * many it has; fewer than {@code wanted} after spark.connect_timeout_s is a one-line error.
     */
    static int slots(JavaSparkContext sc, SparkConfig spark, int wanted, PrintStream out) {
        long t0 = System.nanoTime();
        int expected = wanted > 0 ? wanted : expectedSlots(sc);
        long deadline = System.nanoTime() + (long) (spark.connectTimeoutS() * 1e9);
        int slots = 0;
        int last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            slots = concurrentTasks(sc);
            if (slots != last) {
                last = slots;
                stableSince = System.nanoTime();
            }
            // Known size: wait for it. Unknown (dynamic allocation): take what registered once it stops growing.
            if (expected > 0 ? slots >= expected : slots > 0 && System.nanoTime() - stableSince > 3e9) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserException("interrupted while waiting for Spark executors");
            }
        }
        if (slots == 0 || slots < wanted) {
            throw new UserException(String.format(Locale.ROOT, "spark.workers = %d, but the cluster at %s has %d task"
                    + " slot(s) after %.0f s (executor cores / spark.task.cpus %d); lower spark.workers, or give the"
                    + " cluster more executors", wanted, master(spark), slots, spark.connectTimeoutS(),
                    spark.taskCpus()));
        }
        out.printf(Locale.ROOT, "spark: %d task slot(s) ready after %.1f s%n", slots, (System.nanoTime() - t0) / 1e9);
        return slots;
    }

    /**
     * The task slots the application will have once its executors registered: known for local[n],
     * local-cluster[n,c,m] and a fixed spark.executor.instances; 0 when it is up to the cluster.
     */
    static int expectedSlots(JavaSparkContext sc) {
        SparkConf conf = sc.getConf();
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        String master = sc.master();
        java.util.regex.Matcher cluster = java.util.regex.Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)"
                + "\\s*,.*\\]").matcher(master);
        if (cluster.matches()) {
            return Integer.parseInt(cluster.group(1)) * (Integer.parseInt(cluster.group(2)) / taskCpus);
        }
        if (local(master)) {
            return concurrentTasks(sc);
        }
        if (conf.contains("spark.executor.instances") && !conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            return conf.getInt("spark.executor.instances", 0) * (conf.getInt("spark.executor.cores", 1) / taskCpus);
        }
        return 0;
    }

    /** Tasks the registered executors run at once (the count Spark checks a barrier stage against). */
    static int concurrentTasks(JavaSparkContext sc) {
        return sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    }

    /** A Spark failure as one line: the innermost message, which names what went wrong. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t != null) {
            if (t instanceof UserException) {
                return t.getMessage();
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
            t = t.getCause();
        }
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        // A task's exception arrives as text: "... failure: Lost task 0.0 ...: org.pefttrainer...UserException: what"
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(UserException.class.getName() + ": ([^\\n]*)")
                .matcher(message);
        return m.find() ? m.group(1).strip() : message.strip().split("\\R", 2)[0];
    }
}
