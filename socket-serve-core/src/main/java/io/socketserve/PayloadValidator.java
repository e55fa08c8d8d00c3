package io.socketserve;

/**
 * Checks a payload after it was bound to its type ({@link Namespace#on(String, Class,
 * TypedEventHandler)}, annotated listener methods), before the handler runs. Throw a {@link
 * SocketServeException} to reject the event: the client gets its status and code (use {@code 400
 * invalid_payload}), the handler does not run. The Spring Boot starter plugs Bean Validation in here
 * when a {@code jakarta.validation.Validator} is present.
 *
 * <pre>{@code
 * ServerOptions.builder().payloadValidator((event, payload) -> {
 *     if (payload instanceof Say say && say.text().isBlank()) {
 *         throw new SocketServeException("invalid_payload", "text: must not be blank", 400);
 *     }
 * });
 * }</pre>
 *
 * @since 0.2
 */
@FunctionalInterface
public interface PayloadValidator {

    /** Accepts nothing and rejects nothing. */
    PayloadValidator NONE = (event, payload) -> {};

    /** Returns normally to accept; throws {@link SocketServeException} to reject. */
    void validate(String event, Object payload);
}
