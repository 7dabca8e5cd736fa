package dev.diffusion4j.models;

import java.util.List;

/** One diffusers key an original key becomes, and how its tensor is derived. */
record Renamed(String key, Transform transform) {

    static List<Renamed> as(String key) {
        return List.of(new Renamed(key, Transform.IDENTITY));
    }

    /** The three projections a fused open_clip {@code in_proj_weight}/{@code in_proj_bias} holds. */
    static List<Renamed> splitQkv(String prefix, String suffix) {
        return List.of(new Renamed(prefix + "q_proj" + suffix, Transform.FUSED_Q),
                new Renamed(prefix + "k_proj" + suffix, Transform.FUSED_K),
                new Renamed(prefix + "v_proj" + suffix, Transform.FUSED_V));
    }
}
