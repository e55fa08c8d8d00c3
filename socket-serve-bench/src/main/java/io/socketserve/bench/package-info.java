/**
 * The benchmark harness of {@code docs/benchmarks.md}: {@link io.socketserve.bench.BenchMain} runs the
 * scenarios. Not API: everything in this module may change without notice.
 */
@NullMarked
package io.socketserve.bench;

import org.jspecify.annotations.NullMarked;
