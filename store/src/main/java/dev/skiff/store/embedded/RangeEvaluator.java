package dev.skiff.store.embedded;

import com.google.protobuf.ByteString;
import dev.skiff.store.KeyValue;
import dev.skiff.store.RangeRequest;
import dev.skiff.store.RangeRequest.SortOrder;
import dev.skiff.store.RangeRequest.SortTarget;
import dev.skiff.store.RangeResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns index hits into a {@link RangeResponse} the way etcd's apply layer does: {@code count}
 * is every key in the range (before the revision filters), then filters, sort, and limit with
 * {@code more}. Shared by plain reads and by reads inside a txn.
 */
final class RangeEvaluator {

    /** Where values live: the RocksDB log, or the writer's not-yet-committed batch. */
    interface ValueSource {
        ByteString value(ByteString key, KeyIndex.Entry entry);
    }

    private record Row(KeyIndex.Hit hit, ByteString value) {
    }

    private RangeEvaluator() {
    }

    static RangeResponse evaluate(RangeRequest r, List<KeyIndex.Hit> hits, long headerRevision, ValueSource values) {
        long count = hits.size();
        if (r.countOnly()) {
            return new RangeResponse(headerRevision, List.of(), false, count);
        }
        List<KeyIndex.Hit> selected = new ArrayList<>(hits.size());
        for (KeyIndex.Hit h : hits) {
            KeyIndex.Entry e = h.entry();
            if ((r.minModRevision() != 0 && e.main() < r.minModRevision())
                    || (r.maxModRevision() != 0 && e.main() > r.maxModRevision())
                    || (r.minCreateRevision() != 0 && e.createRevision() < r.minCreateRevision())
                    || (r.maxCreateRevision() != 0 && e.createRevision() > r.maxCreateRevision())) {
                continue;
            }
            selected.add(h);
        }
        SortOrder order = r.sortOrder();
        if (order == SortOrder.NONE && r.sortTarget() != SortTarget.KEY) {
            order = SortOrder.ASCEND; // etcd: a sort target without an order means ascending
        }
        boolean byValue = order != SortOrder.NONE && r.sortTarget() == SortTarget.VALUE;
        List<Row> rows = new ArrayList<>(selected.size());
        for (KeyIndex.Hit h : selected) {
            // values are read from disk only when sorting needs them; otherwise after the limit
            rows.add(new Row(h, byValue ? values.value(h.key(), h.entry()) : null));
        }
        if (order != SortOrder.NONE) {
            Comparator<Row> cmp = switch (r.sortTarget()) {
                case KEY -> Comparator.comparing((Row w) -> w.hit().key(), ByteString.unsignedLexicographicalComparator());
                case VERSION -> Comparator.comparingLong((Row w) -> w.hit().entry().version());
                case CREATE -> Comparator.comparingLong((Row w) -> w.hit().entry().createRevision());
                case MOD -> Comparator.comparingLong((Row w) -> w.hit().entry().main());
                case VALUE -> Comparator.comparing(Row::value, ByteString.unsignedLexicographicalComparator());
            };
            rows.sort(order == SortOrder.DESCEND ? cmp.reversed() : cmp);
        }
        boolean more = false;
        if (r.limit() > 0 && rows.size() > r.limit()) {
            rows = rows.subList(0, (int) r.limit());
            more = true;
        }
        List<KeyValue> kvs = new ArrayList<>(rows.size());
        for (Row w : rows) {
            KeyIndex.Entry e = w.hit().entry();
            ByteString value = r.keysOnly() ? ByteString.EMPTY
                    : w.value() != null ? w.value() : values.value(w.hit().key(), e);
            kvs.add(new KeyValue(w.hit().key(), value, e.createRevision(), e.main(), e.version(), e.lease()));
        }
        return new RangeResponse(headerRevision, List.copyOf(kvs), more, count);
    }
}
