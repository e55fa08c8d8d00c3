/**
 * Markdown tables, JSON and PNG plots (java.awt, headless) of the results.
 */
@NullMarked
package io.socketserve.bench.report;

import org.jspecify.annotations.NullMarked;
