package io.socketserve.spring.boot.internal;

import io.socketserve.PayloadValidator;
import io.socketserve.SocketServeException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.Comparator;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Bean Validation for typed payloads: the constraints on a payload record ({@code @NotBlank String
 * text}) are checked after binding; violations become {@code 400 invalid_payload} with each field
 * and its message, in field order, so the client learns what to fix.
 */
public final class BeanValidationPayloads implements PayloadValidator {

    private final Supplier<@Nullable Validator> validator;

    /** @param validator the application's validator, or {@code null} when it has none (nothing is checked) */
    public BeanValidationPayloads(Supplier<@Nullable Validator> validator) {
        this.validator = validator;
    }

    @Override
    public void validate(String event, Object payload) {
        Validator checker = validator.get();
        if (checker == null) {
            return;
        }
        Set<ConstraintViolation<Object>> violations = checker.validate(payload);
        if (violations.isEmpty()) {
            return;
        }
        String detail = violations.stream()
                .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                .map(v -> v.getPropertyPath() + ": " + v.getMessage())
                .collect(Collectors.joining("; "));
        throw new SocketServeException("invalid_payload", "payload of '" + event + "' is invalid: " + detail, 400);
    }
}
