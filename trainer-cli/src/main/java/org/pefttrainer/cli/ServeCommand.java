package org.pefttrainer.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.inference.InferenceEngine;
import org.pefttrainer.serve.InferenceServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peft serve}: an HTTP server over one base model and many adapters, batching concurrent requests. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves generation over HTTP (JSON) from one base model with adapters loaded by name;"
                + " concurrent requests are batched into mixed-adapter generate calls (serve.max_batch_size,"
                + " serve.batch_wait_ms). Binds serve.host (127.0.0.1) unless --host says otherwise. Ctrl-C stops it.",
            "  POST /generate {\"adapter\": \"sum\", \"text\": \"...\", \"max_new_tokens\": 32}",
            "  GET /adapters   POST /adapters {\"name\": \"x\", \"path\": \"DIR\"}   DELETE /adapters/x   GET /health",
            "Example:",
            "  peft serve --model models/flan-t5-base --adapter sum=runs/a/adapter --adapter chat=runs/b/adapter --port 8080"})
public final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin InferenceOptions options;

    @Option(names = "--port", paramLabel = "N", description = "TCP port (default: serve.port; 0 = any free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default: serve.host, 127.0.0.1).")
    String host;

    @Override
    public Integer call() throws Exception {
        TrainerConfig cfg = options.config().settings();
        PrintWriter out = spec.commandLine().getOut();
        InferenceEngine engine = options.open(cfg, true);
        InferenceServer.Settings settings = InferenceServer.Settings.of(cfg.serve()).withAddress(
                host != null ? host : cfg.serve().host(), port != null ? port : cfg.serve().port());
        // The JDK server closes a connection whose request has not arrived within maxReqTime seconds (slow clients).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "30");
        }
        InferenceServer server;
        try {
            server = new InferenceServer(engine, options.decoding(cfg, engine, spec.commandLine().getErr()), settings);
        } catch (RuntimeException | java.io.IOException e) {
            engine.close();
            throw e instanceof java.net.BindException b ? new org.pefttrainer.core.UserException("cannot bind "
                    + settings.host() + ":" + settings.port() + " (" + b.getMessage() + ")") : e;
        }
        if (!settings.loopbackOnly() && settings.token() == null) {
            spec.commandLine().getErr().println("peft serve: WARNING: listening on " + settings.host()
                    + " (beyond loopback) with no token: anyone who reaches this address can use the server."
                    + " Set serve.token (clients send 'Authorization: Bearer <token>').");
            spec.commandLine().getErr().flush();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            System.err.println("peft serve: shutting down");
            server.close();
            engine.close();
            stopped.countDown();
        }, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.start();
        out.printf("peft serve: http://%s:%d  adapters: %s  (max_batch_size %d, batch_wait_ms %d, max_queue %d,"
                        + " adapter changes over HTTP %s, token %s; Ctrl-C stops)%n",
                server.host(), server.port(), engine.registry().list().isEmpty() ? "none"
                        : String.join(", ", engine.registry().list().keySet()), settings.maxBatchSize(),
                settings.batchWaitMs(), settings.maxQueue(), settings.allowAdapterChanges() ? "on" : "off",
                settings.token() == null ? "none" : "required");
        out.printf("peft serve: OpenAI API at http://%s:%d/v1 (model: %s%s)%n", server.host(), server.port(),
                server.openAiModelName(), engine.registry().list().isEmpty() ? ""
                        : " or an adapter's name: " + String.join(", ", engine.registry().list().keySet()));
        out.flush();
        stopped.await();
        return 0;
    }
}
