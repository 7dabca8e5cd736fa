package dev.diffusion4j.cli;

/** A bad command-line argument found after parsing (exit code 2). */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
