/**
 * The scenarios: broadcasts (fan-out, many rooms, Redis), connect storm, idle sessions; what they
 * measure and how.
 */
@NullMarked
package io.socketserve.bench.workload;

import org.jspecify.annotations.NullMarked;
