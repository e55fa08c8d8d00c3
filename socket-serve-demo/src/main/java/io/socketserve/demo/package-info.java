/** The runnable demo: the seed page's room examples written with the Java API, and demo pages. */
@NullMarked
package io.socketserve.demo;

import org.jspecify.annotations.NullMarked;
