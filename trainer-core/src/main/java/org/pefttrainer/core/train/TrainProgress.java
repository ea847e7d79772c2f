package org.pefttrainer.core.train;

/** Where the trainer reports progress (a console bar for people, nothing in tests). */
public interface TrainProgress extends AutoCloseable {
    void start(long totalSteps, long doneSteps);

    void step(long doneSteps, double loss, double lr, double tokensPerSecond);

    void message(String line);

    @Override
    void close();

    TrainProgress NONE = new TrainProgress() {
        @Override
        public void start(long totalSteps, long doneSteps) {}

        @Override
        public void step(long doneSteps, double loss, double lr, double tokensPerSecond) {}

        @Override
        public void message(String line) {}

        @Override
        public void close() {}
    };
}
