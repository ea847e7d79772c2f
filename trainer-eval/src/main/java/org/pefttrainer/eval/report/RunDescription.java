package org.pefttrainer.eval.report;

/**
 * What the header says about a run, from its config.conf.
 *
 * @param configText the file's text, or null when the run folder has none
 * @param runName    run.name, or the folder's name
 * @param model      model.path, or null
 * @param method     peft.method, or null
 * @param methodInfo the method's main settings ("r=8, alpha=16, targets=[q, v]"), or null
 * @param bestMetric eval.metric (the metric that picks the best epoch), or null
 * @param problem    why the config could not be read, or null
 */
public record RunDescription(String configText, String runName, String model, String method, String methodInfo,
        String bestMetric, String problem) {}
