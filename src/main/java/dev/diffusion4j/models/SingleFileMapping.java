package dev.diffusion4j.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The result of mapping an original single file's keys to diffusers names ({@link SingleFileLayout#map}).
 *
 * @param parts part name ({@code unet}, {@code vae}, {@code text_encoder}, {@code text_encoder_2}) → diffusers key →
 *     where its tensor comes from
 * @param ignored original keys deliberately left out: schedule buffers, EMA bookkeeping, {@code position_ids},
 *     {@code logit_scale}, the open_clip layers and projection diffusers does not use
 * @param unexpected original keys neither mapped nor known to be ignorable; the caller decides whether to refuse
 *     ({@link #requireNoUnexpected})
 */
public record SingleFileMapping(Map<String, Map<String, SourceTensor>> parts, SortedSet<String> ignored,
                                SortedSet<String> unexpected) {

    public SingleFileMapping {
        Map<String, Map<String, SourceTensor>> copy = new LinkedHashMap<>();
        parts.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        parts = Collections.unmodifiableMap(copy);
        ignored = Collections.unmodifiableSortedSet(new TreeSet<>(ignored));
        unexpected = Collections.unmodifiableSortedSet(new TreeSet<>(unexpected));
    }

    /** One part's map, or an error naming the parts this file has. */
    public Map<String, SourceTensor> part(String name) {
        Map<String, SourceTensor> part = parts.get(name);
        if (part == null) {
            throw new IllegalArgumentException("this file has no " + name + " (it has " + parts.keySet() + ")");
        }
        return part;
    }

    /** Fails naming a few of the unexpected keys, if there are any. */
    public void requireNoUnexpected(String file) {
        if (!unexpected.isEmpty()) {
            String few = String.join(", ", unexpected.stream().limit(5).toList());
            String more = unexpected.size() > 5 ? " and " + (unexpected.size() - 5) + " more" : "";
            throw new IllegalArgumentException(file + ": " + unexpected.size()
                    + " tensors match no known part of the original layout: " + few + more);
        }
    }
}
