package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * The last few arrays a multistep scheduler remembers (PNDM's ets, LMS's derivatives, DPM-Solver's model outputs).
 * The history owns them: {@link #push} takes an array out of the enclosing {@link NDScope}, and arrays that fall off
 * the end, or are cleared, are closed.
 */
final class StepHistory implements AutoCloseable {

    private final int capacity;
    private final List<NDArray> items = new ArrayList<>();

    StepHistory(int capacity) {
        this.capacity = capacity;
    }

    /** Appends {@code array} as the newest entry, taking ownership; closes the oldest beyond capacity. */
    void push(NDArray array) {
        NDScope.unregister(array);
        items.add(array);
        while (items.size() > capacity) {
            items.remove(0).close();
        }
    }

    /** The entry {@code back} steps ago: 0 is the newest (Python's {@code [-1]}), 1 the one before, ... */
    NDArray get(int back) {
        return items.get(items.size() - 1 - back);
    }

    int size() {
        return items.size();
    }

    /** Closes and forgets every entry. */
    @Override
    public void close() {
        items.forEach(NDArray::close);
        items.clear();
    }
}
