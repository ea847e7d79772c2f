package org.pefttrainer.core.config;

/** Section {@code optim} ({@code betas} split into beta1 and beta2). */
public record OptimConfig(
        Optimizer name,
        double lr,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        ScheduleConfig schedule) {

    public enum Optimizer implements ConfigEnum {
        /** Adam with decoupled weight decay, as torch.optim.AdamW. */
        ADAMW("adamw");

        private final String configName;

        Optimizer(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
