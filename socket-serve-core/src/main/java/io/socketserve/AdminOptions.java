package io.socketserve;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Turns on the admin page ({@code /admin}) of an HTTP transport and says who may use it: one user
 * name and password, checked with HTTP Basic authentication, and whether the page may act (disconnect
 * a session, make a session leave a room, broadcast a test message) or only watch.
 *
 * <pre>{@code
 * EmbeddedServer.builder(server)
 *         .admin(AdminOptions.builder().password(System.getenv("ADMIN_PASSWORD")).readOnly(false).build())
 *         .start();
 * }</pre>
 *
 * <p>Off unless configured: without admin options {@code /admin} is an ordinary 404. The page shows
 * every instance of the deployment: each instance publishes its statistics to the backend's shared
 * store every {@link #publishInterval()} (keys under {@value #KEY_PREFIX}, expiring after three
 * intervals) and reads the others'. See {@code docs/admin.md} for setup and security.
 *
 * @since 0.4
 */
public final class AdminOptions {

    /** {@value} — the default user name. */
    public static final String DEFAULT_USER = "admin";
    /** Default {@link #publishInterval()}: 2 seconds. */
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(2);
    /** {@value} — default number of rooms the page lists, largest first. */
    public static final int DEFAULT_TOP_ROOMS = 20;
    /** {@value} — default failed logins per client address and minute before it must wait. */
    public static final int DEFAULT_MAX_FAILED_LOGINS = 10;
    /** {@value} — the namespace the page connects to as a socket-serve client. */
    public static final String NAMESPACE = "/socket-serve-admin";
    /** {@value} — prefix of the shared-store keys the instances publish their statistics under. */
    public static final String KEY_PREFIX = "socket-serve:admin:";

    private final String user;
    private final byte[] password;
    private final boolean readOnly;
    private final Duration publishInterval;
    private final int topRooms;
    private final int maxFailedLogins;

    private AdminOptions(Builder b) {
        this.maxFailedLogins = b.maxFailedLogins;
        this.user = b.user;
        this.password = b.password.clone();
        this.readOnly = b.readOnly;
        this.publishInterval = b.publishInterval;
        this.topRooms = b.topRooms;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The user name of HTTP Basic authentication; default {@link #DEFAULT_USER}. */
    public String user() {
        return user;
    }

    /** A copy of the password's UTF-8 bytes. */
    public byte[] password() {
        return password.clone();
    }

    /**
     * Whether the page only watches (default {@code true}): every action is refused with {@code 403
     * read_only}.
     */
    public boolean readOnly() {
        return readOnly;
    }

    /** How often each instance publishes its statistics; default {@link #DEFAULT_PUBLISH_INTERVAL}. */
    public Duration publishInterval() {
        return publishInterval;
    }

    /** How many rooms the page lists, largest first; default {@link #DEFAULT_TOP_ROOMS}. */
    public int topRooms() {
        return topRooms;
    }

    /**
     * Failed logins allowed per client address and minute; the next requests from that address are
     * answered {@code 429 too_many_attempts} until the minute is over, whatever they send. Default
     * {@link #DEFAULT_MAX_FAILED_LOGINS}.
     */
    public int maxFailedLogins() {
        return maxFailedLogins;
    }

    @Override
    public String toString() { // never the password
        return "AdminOptions{user=" + user + ", readOnly=" + readOnly + ", publishInterval=" + publishInterval
                + ", topRooms=" + topRooms + "}";
    }

    /** Builds {@link AdminOptions}; a password is required. */
    public static final class Builder {
        private String user = DEFAULT_USER;
        private byte[] password = new byte[0];
        private boolean readOnly = true;
        private Duration publishInterval = DEFAULT_PUBLISH_INTERVAL;
        private int topRooms = DEFAULT_TOP_ROOMS;
        private int maxFailedLogins = DEFAULT_MAX_FAILED_LOGINS;

        private Builder() {}

        /** Failed logins per client address and minute: 1 to 10000. */
        public Builder maxFailedLogins(int n) {
            if (n < 1 || n > 10_000) {
                throw new IllegalArgumentException("maxFailedLogins must be 1..10000: " + n);
            }
            this.maxFailedLogins = n;
            return this;
        }

        /** The user name; not empty, no {@code ':'} (HTTP Basic, RFC 7617 §2). */
        public Builder user(String user) {
            Objects.requireNonNull(user, "user == null");
            if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("user must be non-empty, without ':' or control characters");
            }
            this.user = user;
            return this;
        }

        /** The password: at least 8 characters, no control characters. */
        public Builder password(String password) {
            Objects.requireNonNull(password, "password == null");
            if (password.codePointCount(0, password.length()) < 8) {
                throw new IllegalArgumentException("password must have at least 8 characters");
            }
            if (password.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("password must not contain control characters");
            }
            this.password = password.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** Whether actions are refused (default {@code true}). */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /** How often each instance publishes its statistics: 500 ms to 1 minute. */
        public Builder publishInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval == null");
            if (interval.compareTo(Duration.ofMillis(500)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("publishInterval must be 500 ms .. 1 min: " + interval);
            }
            this.publishInterval = interval;
            return this;
        }

        /** How many rooms the page lists: 1 to 1000. */
        public Builder topRooms(int n) {
            if (n < 1 || n > 1000) {
                throw new IllegalArgumentException("topRooms must be 1..1000: " + n);
            }
            this.topRooms = n;
            return this;
        }

        public AdminOptions build() {
            if (password.length == 0) {
                throw new IllegalStateException("AdminOptions needs a password");
            }
            return new AdminOptions(this);
        }
    }
}
