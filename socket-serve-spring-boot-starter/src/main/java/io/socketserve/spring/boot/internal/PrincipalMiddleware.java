package io.socketserve.spring.boot.internal;

import io.socketserve.ConnectionMiddleware;
import io.socketserve.Handshake;

/**
 * Copies the authenticated principal's name (from {@link SpringSocketServeServlet#PRINCIPAL_HEADER})
 * into the session attribute {@code attribute}; does nothing for an anonymous connect.
 */
public final class PrincipalMiddleware implements ConnectionMiddleware {

    private final String attribute;

    public PrincipalMiddleware(String attribute) {
        this.attribute = attribute;
    }

    @Override
    public void handle(Handshake handshake) {
        String name = handshake.header(SpringSocketServeServlet.PRINCIPAL_HEADER);
        if (name != null && !name.isEmpty()) {
            handshake.attribute(attribute, name);
        }
    }
}
