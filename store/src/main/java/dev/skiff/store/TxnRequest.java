package dev.skiff.store;

import java.util.List;

public record TxnRequest(List<Compare> compare, List<Op> success, List<Op> failure) implements Op {
    public TxnRequest {
        compare = List.copyOf(compare);
        success = List.copyOf(success);
        failure = List.copyOf(failure);
    }
}
