package io.socketserve.testing;

/**
 * A failure a test provokes on purpose (a handler that throws, a middleware whose token service is
 * "down"). The server logs such failures, as it must; this one says in its message that it was
 * expected and carries no stack trace, so a passing run prints none (issue 11: clean test output).
 */
public final class ExpectedFailure extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public ExpectedFailure(String message) {
        super(message + " (provoked by the test, expected)", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
