package io.github.vertxclassifier.http.guard;

/** Why a request is answered 400; without a stack trace (nothing logs it, and bad input is cheap to send). */
final class MalformedRequest extends IllegalArgumentException {

    MalformedRequest(String problem) {
        super(problem);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
