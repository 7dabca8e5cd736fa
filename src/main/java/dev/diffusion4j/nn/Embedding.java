package dev.diffusion4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/** torch.nn.Embedding: {@code weight (num, dim)} looked up by integer ids. */
public final class Embedding extends Module {

    public final long num;
    final Parameter weight;

    public Embedding(long num, long dim) {
        this.num = num;
        this.weight = param("weight", num, dim);
    }

    public NDArray forward(NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, weight.array(), SparseFormat.DENSE).singletonOrThrow();
    }

    public NDArray weight() {
        return weight.array();
    }
}
