package io.socketserve.internal.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What this instance adds to its published statistics beyond its health: its sessions by transport,
 * open streams, rooms with local members, event and delivery totals. Called on the publishing
 * thread once per interval.
 */
@FunctionalInterface
public interface LocalStats {

    /** Nothing beyond health, uptime and version. */
    LocalStats NONE = node -> {};

    /**
     * Adds this instance's numbers to {@code node}: {@code sessions} (an object of counts by
     * transport), {@code streams}, {@code rooms} ({@code [{"name","localMembers"}]}), and the
     * monotonic totals {@code eventsTotal} and {@code deliveriesTotal}.
     */
    void fill(ObjectNode node);
}
