package dev.diffusion4j.server;

/** A request the server refuses: the HTTP status and one message for the client. */
class ApiException extends RuntimeException {

    final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** A field of the wrong type or out of range (FastAPI's validation status, which A1111 clients expect). */
    static ApiException invalid(String message) {
        return new ApiException(422, message);
    }
}
