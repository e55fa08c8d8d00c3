/**
 * JMH microbenchmarks of the hot paths reachable from the public and transport APIs:
 * {@code java -cp socket-serve-bench.jar org.openjdk.jmh.Main}.
 */
@NullMarked
package io.socketserve.bench.jmh;

import org.jspecify.annotations.NullMarked;
