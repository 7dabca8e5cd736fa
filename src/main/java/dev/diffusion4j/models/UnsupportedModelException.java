package dev.diffusion4j.models;

import java.io.IOException;

/** A model this build recognises but cannot run (SDXL until it lands, an unknown pipeline class), named in the message. */
public final class UnsupportedModelException extends IOException {

    public UnsupportedModelException(String message) {
        super(message);
    }
}
