package io.socketserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * Not every recipient of a {@link BroadcastOperator#emitWithAck broadcast with acknowledgements}
 * answered in time. Carries the answers that did arrive.
 *
 * @since 0.2
 */
public final class BroadcastAckTimeoutException extends SocketServeException {
    private static final long serialVersionUID = 1L;

    private final transient List<JsonNode> answers;
    private final int expected;

    public BroadcastAckTimeoutException(String event, Duration timeout, List<JsonNode> answers, int expected) {
        super(
                "ack_timeout",
                answers.size() + " of " + expected + " recipients acknowledged '" + event + "' within "
                        + timeout.toMillis() + " ms");
        this.answers = List.copyOf(answers);
        this.expected = expected;
    }

    /** The answers received before the timeout, in arrival order. */
    public List<JsonNode> answers() {
        return answers;
    }

    /** How many sockets were selected when the broadcast was sent. */
    public int expected() {
        return expected;
    }
}
