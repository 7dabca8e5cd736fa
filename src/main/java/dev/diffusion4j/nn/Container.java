package dev.diffusion4j.nn;

/**
 * A module that only groups named children, for checkpoint path segments that carry no computation of their own
 * (e.g. {@code text_model.embeddings}); the owner's forward method reaches into it.
 */
public final class Container extends Module {

    public <M extends Module> M add(String name, M module) {
        return child(name, module);
    }
}
