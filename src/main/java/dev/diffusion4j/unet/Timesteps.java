package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.tensor.Ops;

/**
 * diffusers' {@code Timesteps} / {@code get_timestep_embedding} (the transformer's positional encoding, Vaswani et al.
 * 2017 § 3.5, over a scalar): frequencies {@code exp(-ln(10000)·i/(half − freq_shift))} times each value, as
 * [sin, cos] (or [cos, sin] with flip_sin_to_cos), computed in float32; odd widths are zero-padded by one column.
 */
final class Timesteps {

    private Timesteps() {}

    /** (N) values → (N, dim). */
    static NDArray embed(NDArray values, int dim, boolean flipSinToCos, int freqShift) {
        int half = dim / 2;
        NDManager m = values.getManager();
        NDArray exponent = m.arange(0, half, 1, DataType.FLOAT32).mul((float) -Math.log(10000))
                .div((float) (half - freqShift));
        NDArray args = values.toType(DataType.FLOAT32, false).reshape(-1, 1).mul(exponent.exp().reshape(1, half));
        NDArray sin = args.sin();
        NDArray cos = args.cos();
        NDArray emb = flipSinToCos ? Ops.cat(1, cos, sin) : Ops.cat(1, sin, cos);
        return dim % 2 == 1 ? Ops.pad2d(emb, 0, 1, 0, 0) : emb;
    }
}
