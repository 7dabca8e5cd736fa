package dev.diffusion4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An indexed list of modules whose children are named {@code 0, 1, ...}, like torch.nn.ModuleList. */
public final class ModuleList<M extends Module> extends Module {

    private final List<M> items = new ArrayList<>();

    public <T extends M> T add(T module) {
        items.add(child(Integer.toString(items.size()), module));
        return module;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
