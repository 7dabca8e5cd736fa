package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;
import dev.diffusion4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Tiled VAE decoding and encoding (diffusers' {@code enable_tiling}): the input is cut into overlapping tiles, each
 * runs through the VAE alone, and neighbours are blended linearly across the overlap, so memory is bounded by one
 * tile's activations whatever the image size. Each tile normalises with its own GroupNorm statistics, so a tiled
 * result is close to, not equal to, the untiled one (BENCHMARKS.md has the measured seam error).
 *
 * <p>Geometry as diffusers: tiles of {@code sample_size} pixels (capped at {@link #MAX_TILE} so SDXL's 1024 tiles stay
 * bounded too), overlapping by a quarter; each tile's first quarter is blended with the tile above and to the left,
 * and tiles are cropped to three quarters before they are concatenated.
 */
public enum VaeTiling {
    /** Tile when the image exceeds {@link #AUTO_PIXELS}. */
    AUTO,
    /** Always tile (images no larger than one tile decode in one piece anyway). */
    ON,
    /** Never tile. */
    OFF;

    /** Largest tile side in pixels. */
    static final int MAX_TILE = 512;

    /**
     * Images with more pixels than this decode tiled under {@link #AUTO}: 768×768. An untiled SD 1.5 decode at 768²
     * already peaks at about 5 GB; 1024² and larger tile.
     */
    public static final long AUTO_PIXELS = 768L * 768L;

    private static final double OVERLAP = 0.25;

    /** Whether an image of {@code height × width} pixels is tiled. */
    public boolean applies(long height, long width) {
        return this == ON || (this == AUTO && height * width > AUTO_PIXELS);
    }

    static int tileSample(AutoencoderKLConfig c) {
        return Math.min(c.sampleSize(), MAX_TILE);
    }

    /** Decodes (B, C, h, w) latents tile by tile; {@code decodeTile} is the untiled decode of one tile. */
    static NDArray decode(AutoencoderKLConfig c, NDArray z, UnaryOperator<NDArray> decodeTile) {
        int sample = tileSample(c);
        int latent = sample / c.scaleFactor();
        return tiled(z, latent, (int) (latent * (1 - OVERLAP)), (int) (sample * OVERLAP), decodeTile);
    }

    /** Encodes (B, C, H, W) pixels tile by tile into moments; {@code encodeTile} is the untiled encode of one tile. */
    static NDArray encode(AutoencoderKLConfig c, NDArray image, UnaryOperator<NDArray> encodeTile) {
        int sample = tileSample(c);
        int latent = sample / c.scaleFactor();
        return tiled(image, sample, (int) (sample * (1 - OVERLAP)), (int) (latent * OVERLAP), encodeTile);
    }

    /**
     * @param tile input tile side; {@code stride} input step between tiles; {@code blend} output rows/columns blended
     *     with the previous tile; output tiles are cropped to {@code outTile − blend}
     */
    private static NDArray tiled(NDArray x, int tile, int stride, int blend, UnaryOperator<NDArray> f) {
        Shape s = x.getShape();
        long h = s.get(2);
        long w = s.get(3);
        List<List<NDArray>> rows = new ArrayList<>();
        for (long i = 0; i < h; i += stride) {
            List<NDArray> row = new ArrayList<>();
            for (long j = 0; j < w; j += stride) {
                NDArray in = x.get(new NDIndex().addAllDim().addAllDim().addSliceDim(i, Math.min(h, i + tile))
                        .addSliceDim(j, Math.min(w, j + tile)));
                row.add(Scopes.scoped(() -> f.apply(in)));
                in.close();
            }
            rows.add(row);
        }
        long outTile = rows.get(0).get(0).getShape().get(2);
        long limit = outTile - blend;
        List<NDArray> resultRows = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<NDArray> row = rows.get(i);
            List<NDArray> cropped = new ArrayList<>();
            for (int j = 0; j < row.size(); j++) {
                NDArray t = row.get(j);
                // the blended tile replaces the original, so the next tile to the right blends with it (diffusers
                // blends in place)
                if (i > 0) {
                    t = blend(rows.get(i - 1).get(j), t, blend, 2);
                }
                if (j > 0) {
                    t = blend(row.get(j - 1), t, blend, 3);
                }
                row.set(j, t);
                cropped.add(t.get(new NDIndex().addAllDim().addAllDim().addSliceDim(0, Math.min(limit,
                        t.getShape().get(2))).addSliceDim(0, Math.min(limit, t.getShape().get(3)))));
            }
            resultRows.add(Ops.cat(3, cropped.toArray(NDArray[]::new)));
        }
        return Ops.cat(2, resultRows.toArray(NDArray[]::new));
    }

    /**
     * {@code b}'s first {@code extent} rows ({@code axis} 2) or columns (3) as {@code a}'s last ones·(1 − k/extent) +
     * {@code b}'s·(k/extent), k = 0 … extent−1; extent is capped by both tiles' sizes.
     */
    private static NDArray blend(NDArray a, NDArray b, int extent, int axis) {
        int e = (int) Math.min(extent, Math.min(a.getShape().get(axis), b.getShape().get(axis)));
        if (e == 0) {
            return b;
        }
        // diffusers' weights are Python floats, rounded once to float32 each
        float[] up = new float[e];
        float[] down = new float[e];
        for (int k = 0; k < e; k++) {
            up[k] = (float) ((double) k / e);
            down[k] = (float) (1 - (double) k / e);
        }
        long[] rampShape = {1, 1, 1, 1};
        rampShape[axis] = e;
        Shape ramp = new Shape(rampShape);
        long aLen = a.getShape().get(axis);
        long bLen = b.getShape().get(axis);
        NDArray tail = a.get(slice(axis, aLen - e, aLen));
        NDArray head = b.get(slice(axis, 0, e));
        NDArray mixed = tail.mul(Tensors.of(b.getManager(), down, ramp)).add(head.mul(Tensors.of(b.getManager(), up, ramp)));
        return e == bLen ? mixed : Ops.cat(axis, mixed, b.get(slice(axis, e, bLen)));
    }

    private static NDIndex slice(int axis, long from, long to) {
        NDIndex index = new NDIndex().addAllDim().addAllDim();
        return axis == 2 ? index.addSliceDim(from, to).addAllDim() : index.addAllDim().addSliceDim(from, to);
    }
}
