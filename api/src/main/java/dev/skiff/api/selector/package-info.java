/**
 * Label and field selectors, parsed and matched exactly as kube-apiserver v1.33 does so that
 * {@code ?labelSelector=} and {@code ?fieldSelector=} accept the same strings and fail with the
 * same 400 messages. The label parser is a token-for-token rewrite of upstream's lexer/parser,
 * quirks included (they are named where they live); field selectors are checked per resource by
 * {@link dev.skiff.api.selector.SelectableFields}, which also reads the values off fabric8 objects.
 */
package dev.skiff.api.selector;
