package dev.skiff.store;

import java.util.List;

/** {@code responses} answer the ops of the branch taken, in order. */
public record TxnResponse(long revision, boolean succeeded, List<OpResponse> responses) implements OpResponse {
}
