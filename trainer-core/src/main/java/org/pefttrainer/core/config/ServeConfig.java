package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Section {@code serve}: where the server listens, how it batches, and the limits that keep it up under bad or
 * heavy traffic.
 *
 * @param port                TCP port; 0 = any free port
 * @param adapters            adapter name → adapter folder, served side by side on one base model
 * @param maxBodyBytes        largest request body (413 above)
 * @param maxNewTokens        most new tokens one request may ask for (400 above)
 * @param maxQueue            requests waiting for a batch at most (429 beyond)
 * @param requestTimeoutMs    a request not answered in this time gets 503 and leaves the queue
 * @param allowAdapterChanges whether POST /adapters (which reads a folder the client names) and DELETE work
 * @param token               when present, every request but GET /health needs {@code Authorization: Bearer <token>}
 * @param modelName           the base model's name in the OpenAI-compatible API; empty: the model folder's name
 */
public record ServeConfig(String host, int port, int maxBatchSize, int batchWaitMs, Map<String, Path> adapters,
        int maxBodyBytes, int maxNewTokens, int maxQueue, long requestTimeoutMs, boolean allowAdapterChanges,
        Optional<String> token, Optional<String> modelName) {

    public ServeConfig {
        adapters = Map.copyOf(adapters);
    }
}
