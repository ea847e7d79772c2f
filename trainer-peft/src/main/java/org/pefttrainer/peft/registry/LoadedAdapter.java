package org.pefttrainer.peft.registry;

import org.pefttrainer.peft.adapter.Adapter;

/**
 * One adapter held by an {@link AdapterRegistry}, with a count of the batches using it: unloading takes it out of
 * the registry at once, but its arrays are freed only when the last batch using it has finished.
 */
final class LoadedAdapter {
    private final Adapter adapter;
    private final AdapterInfo info;
    private int users;
    private boolean unloaded;
    private boolean closed;

    LoadedAdapter(Adapter adapter, AdapterInfo info) {
        this.adapter = adapter;
        this.info = info;
    }

    Adapter adapter() {
        return adapter;
    }

    AdapterInfo info() {
        return info;
    }

    /** False when the adapter was unloaded in the meantime. */
    synchronized boolean acquire() {
        if (unloaded) {
            return false;
        }
        users++;
        return true;
    }

    synchronized void release() {
        users--;
        closeIfUnused();
    }

    synchronized void unload() {
        unloaded = true;
        closeIfUnused();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void closeIfUnused() {
        if (unloaded && users == 0 && !closed) {
            closed = true;
            adapter.close();
        }
    }
}
