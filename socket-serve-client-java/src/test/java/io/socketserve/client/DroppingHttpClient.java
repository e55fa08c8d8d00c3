package io.socketserve.client;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} whose {@code POST …/message} answers get lost on the way back with the given
 * probability: the request reached the server and ran, the client sees a network error. It can also
 * block event streams, as a proxy that does not pass them would.
 */
final class DroppingHttpClient extends HttpClient {

    private final HttpClient delegate;
    private final double dropRate;
    final AtomicInteger dropped = new AtomicInteger();
    /** When set, every event-stream request (not polls) fails as if the stream could not open. */
    volatile boolean failStreams;
    /** When set, event streams open (200) but none of their bytes arrive, as behind a buffering proxy. */
    volatile boolean bufferStreams;

    DroppingHttpClient(HttpClient delegate, double dropRate) {
        this.delegate = delegate;
        this.dropRate = dropRate;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        String query = request.uri().getRawQuery();
        if (failStreams
                && request.uri().getPath().endsWith("/sse")
                && (query == null || !query.contains("transport=polling"))) {
            return CompletableFuture.failedFuture(new IOException("event streams are blocked by the test"));
        }
        if (bufferStreams
                && request.uri().getPath().endsWith("/sse")
                && (query == null || !query.contains("transport=polling"))) {
            return delegate.sendAsync(request, info -> swallowing(handler.apply(info)));
        }
        CompletableFuture<HttpResponse<T>> f = delegate.sendAsync(request, handler);
        if (request.method().equals("POST")
                && request.uri().getPath().endsWith("/message")
                && ThreadLocalRandom.current().nextDouble() < dropRate) {
            return f.thenCompose(res -> {
                dropped.incrementAndGet();
                return CompletableFuture.failedFuture(new IOException("answer dropped by the test"));
            });
        }
        return f;
    }

    /** A body subscriber that reads everything and passes nothing on. */
    private static <T> HttpResponse.BodySubscriber<T> swallowing(HttpResponse.BodySubscriber<T> real) {
        return new HttpResponse.BodySubscriber<>() {
            @Override
            public java.util.concurrent.CompletionStage<T> getBody() {
                return real.getBody();
            }

            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(java.util.List<java.nio.ByteBuffer> item) {}

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
        };
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
            HttpRequest request, HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
        return sendAsync(request, handler);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return delegate.send(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }
}
