package dev.skiff.store.etcdserver;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import dev.skiff.store.KeyRange;
import dev.skiff.store.Op;
import dev.skiff.store.OpResponse;
import dev.skiff.store.Store;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Translation between etcd's wire messages (jetcd-grpc's generated classes) and the store SPI.
 * jetcd-grpc's protos predate a few etcd 3.4 fields (Compare.lease = 8 with target LEASE = 4,
 * WatchCreateRequest.watch_id = 7); those are read from the unknown-field set.
 */
final class Convert {
    private static final int COMPARE_LEASE_FIELD = 8;
    private static final int COMPARE_TARGET_LEASE = 4;

    private final Headers headers;

    Convert(Headers headers) {
        this.headers = headers;
    }

    // ---- wire -> SPI ------------------------------------------------------------------

    static dev.skiff.store.RangeRequest range(RangeRequest r) {
        requireKey(r.getKey());
        var order = switch (r.getSortOrder()) {
            case NONE -> dev.skiff.store.RangeRequest.SortOrder.NONE;
            case ASCEND -> dev.skiff.store.RangeRequest.SortOrder.ASCEND;
            case DESCEND -> dev.skiff.store.RangeRequest.SortOrder.DESCEND;
            default -> throw Errors.invalid("etcdserver: unknown sort order " + r.getSortOrderValue());
        };
        var target = switch (r.getSortTarget()) {
            case KEY -> dev.skiff.store.RangeRequest.SortTarget.KEY;
            case VERSION -> dev.skiff.store.RangeRequest.SortTarget.VERSION;
            case CREATE -> dev.skiff.store.RangeRequest.SortTarget.CREATE;
            case MOD -> dev.skiff.store.RangeRequest.SortTarget.MOD;
            case VALUE -> dev.skiff.store.RangeRequest.SortTarget.VALUE;
            default -> throw Errors.invalid("etcdserver: unknown sort target " + r.getSortTargetValue());
        };
        // etcd: a non-key sort target without an order sorts ascending (keys are already ordered)
        if (order == dev.skiff.store.RangeRequest.SortOrder.NONE
                && target != dev.skiff.store.RangeRequest.SortTarget.KEY) {
            order = dev.skiff.store.RangeRequest.SortOrder.ASCEND;
        }
        return new dev.skiff.store.RangeRequest(r.getKey(), r.getRangeEnd(), Math.max(0, r.getLimit()),
                r.getRevision(), order, target, r.getKeysOnly(), r.getCountOnly(),
                r.getMinModRevision(), r.getMaxModRevision(), r.getMinCreateRevision(), r.getMaxCreateRevision());
    }

    static dev.skiff.store.PutRequest put(PutRequest r) {
        requireKey(r.getKey());
        return new dev.skiff.store.PutRequest(r.getKey(), r.getValue(), r.getLease(), r.getPrevKv(),
                r.getIgnoreValue(), r.getIgnoreLease());
    }

    static dev.skiff.store.DeleteRangeRequest delete(DeleteRangeRequest r) {
        requireKey(r.getKey());
        return new dev.skiff.store.DeleteRangeRequest(r.getKey(), r.getRangeEnd(), r.getPrevKv());
    }

    static dev.skiff.store.TxnRequest txn(TxnRequest r) {
        if (r.getCompareCount() > Store.MAX_TXN_OPS || r.getSuccessCount() > Store.MAX_TXN_OPS
                || r.getFailureCount() > Store.MAX_TXN_OPS) {
            throw Errors.invalid(Errors.TOO_MANY_OPS);
        }
        checkDuplicatePuts(r.getSuccessList());
        checkDuplicatePuts(r.getFailureList());
        List<dev.skiff.store.Compare> compares = new ArrayList<>(r.getCompareCount());
        for (Compare c : r.getCompareList()) {
            compares.add(compare(c));
        }
        return new dev.skiff.store.TxnRequest(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
    }

    /**
     * etcd rejects a branch that puts the same key twice, or puts a key that the same branch
     * deletes, counting puts and deletes of nested transactions (either of their branches).
     */
    private static void checkDuplicatePuts(List<RequestOp> ops) {
        intervals(ops);
    }

    private record Writes(Set<ByteString> puts, List<ByteString[]> deletes) {
        boolean deletes(ByteString key) {
            for (ByteString[] d : deletes) {
                if (KeyRange.contains(d[0], d[1], key)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Writes intervals(List<RequestOp> ops) {
        Writes here = new Writes(new HashSet<>(), new ArrayList<>());
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                var d = op.getRequestDeleteRange();
                here.deletes().add(new ByteString[] {d.getKey(), d.getRangeEnd()});
            }
        }
        for (RequestOp op : ops) {
            if (op.hasRequestPut()) {
                ByteString key = op.getRequestPut().getKey();
                if (!here.puts().add(key) || here.deletes(key)) {
                    throw Errors.invalid(Errors.DUPLICATE_KEY);
                }
            }
        }
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Writes success = intervals(op.getRequestTxn().getSuccessList());
            Writes failure = intervals(op.getRequestTxn().getFailureList());
            Writes nested = new Writes(new HashSet<>(success.puts()), new ArrayList<>(success.deletes()));
            nested.puts().addAll(failure.puts());
            nested.deletes().addAll(failure.deletes());
            for (ByteString key : nested.puts()) {
                if (here.puts().contains(key) || here.deletes(key)) {
                    throw Errors.invalid(Errors.DUPLICATE_KEY);
                }
            }
            for (ByteString key : here.puts()) {
                if (nested.deletes(key)) {
                    throw Errors.invalid(Errors.DUPLICATE_KEY);
                }
            }
            here.puts().addAll(nested.puts());
            here.deletes().addAll(nested.deletes());
        }
        return here;
    }

    private static List<Op> ops(List<RequestOp> ops) {
        List<Op> out = new ArrayList<>(ops.size());
        for (RequestOp op : ops) {
            out.add(switch (op.getRequestCase()) {
                case REQUEST_RANGE -> range(op.getRequestRange());
                case REQUEST_PUT -> put(op.getRequestPut());
                case REQUEST_DELETE_RANGE -> delete(op.getRequestDeleteRange());
                case REQUEST_TXN -> txn(op.getRequestTxn());
                default -> throw Errors.invalid("etcdserver: request op is not set");
            });
        }
        return out;
    }

    static dev.skiff.store.Compare compare(Compare c) {
        var result = switch (c.getResult()) {
            case EQUAL -> dev.skiff.store.Compare.Result.EQUAL;
            case GREATER -> dev.skiff.store.Compare.Result.GREATER;
            case LESS -> dev.skiff.store.Compare.Result.LESS;
            case NOT_EQUAL -> dev.skiff.store.Compare.Result.NOT_EQUAL;
            default -> throw Errors.invalid("etcdserver: unknown compare result " + c.getResultValue());
        };
        return switch (c.getTarget()) {
            case VERSION -> new dev.skiff.store.Compare(c.getKey(), c.getRangeEnd(),
                    dev.skiff.store.Compare.Target.VERSION, result, c.getVersion(), ByteString.EMPTY);
            case CREATE -> new dev.skiff.store.Compare(c.getKey(), c.getRangeEnd(),
                    dev.skiff.store.Compare.Target.CREATE, result, c.getCreateRevision(), ByteString.EMPTY);
            case MOD -> new dev.skiff.store.Compare(c.getKey(), c.getRangeEnd(),
                    dev.skiff.store.Compare.Target.MOD, result, c.getModRevision(), ByteString.EMPTY);
            case VALUE -> new dev.skiff.store.Compare(c.getKey(), c.getRangeEnd(),
                    dev.skiff.store.Compare.Target.VALUE, result, 0, c.getValue());
            default -> {
                if (c.getTargetValue() != COMPARE_TARGET_LEASE) {
                    throw Errors.invalid("etcdserver: unknown compare target " + c.getTargetValue());
                }
                yield new dev.skiff.store.Compare(c.getKey(), c.getRangeEnd(),
                        dev.skiff.store.Compare.Target.LEASE, result,
                        unknownVarint(c, COMPARE_LEASE_FIELD), ByteString.EMPTY);
            }
        };
    }

    /** The last varint value of an unknown field, or 0 when absent. */
    static long unknownVarint(Message message, int field) {
        UnknownFieldSet unknown = message.getUnknownFields();
        if (!unknown.hasField(field)) {
            return 0;
        }
        List<Long> values = unknown.getField(field).getVarintList();
        return values.isEmpty() ? 0 : values.get(values.size() - 1);
    }

    static void requireKey(ByteString key) {
        if (key.isEmpty()) {
            throw Errors.invalid(Errors.EMPTY_KEY);
        }
    }

    // ---- SPI -> wire ------------------------------------------------------------------

    static KeyValue kv(dev.skiff.store.KeyValue kv) {
        return KeyValue.newBuilder()
                .setKey(kv.key())
                .setValue(kv.value())
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version())
                .setLease(kv.lease())
                .build();
    }

    static Event event(dev.skiff.store.Event e) {
        Event.Builder b = Event.newBuilder()
                .setType(e.type() == dev.skiff.store.Event.Type.PUT ? Event.EventType.PUT : Event.EventType.DELETE)
                .setKv(kv(e.kv()));
        if (e.prevKv() != null) {
            b.setPrevKv(kv(e.prevKv()));
        }
        return b.build();
    }

    RangeResponse rangeResponse(dev.skiff.store.RangeResponse r) {
        RangeResponse.Builder b = RangeResponse.newBuilder()
                .setHeader(headers.header(r.revision()))
                .setMore(r.more())
                .setCount(r.count());
        for (dev.skiff.store.KeyValue kv : r.kvs()) {
            b.addKvs(kv(kv));
        }
        return b.build();
    }

    PutResponse putResponse(dev.skiff.store.PutResponse r) {
        PutResponse.Builder b = PutResponse.newBuilder().setHeader(headers.header(r.revision()));
        if (r.prevKv() != null) {
            b.setPrevKv(kv(r.prevKv()));
        }
        return b.build();
    }

    DeleteRangeResponse deleteResponse(dev.skiff.store.DeleteRangeResponse r) {
        DeleteRangeResponse.Builder b = DeleteRangeResponse.newBuilder()
                .setHeader(headers.header(r.revision()))
                .setDeleted(r.deleted());
        for (dev.skiff.store.KeyValue kv : r.prevKvs()) {
            b.addPrevKvs(kv(kv));
        }
        return b.build();
    }

    TxnResponse txnResponse(dev.skiff.store.TxnResponse r) {
        TxnResponse.Builder b = TxnResponse.newBuilder()
                .setHeader(headers.header(r.revision()))
                .setSucceeded(r.succeeded());
        for (OpResponse op : r.responses()) {
            b.addResponses(switch (op) {
                case dev.skiff.store.RangeResponse x -> ResponseOp.newBuilder().setResponseRange(rangeResponse(x));
                case dev.skiff.store.PutResponse x -> ResponseOp.newBuilder().setResponsePut(putResponse(x));
                case dev.skiff.store.DeleteRangeResponse x ->
                        ResponseOp.newBuilder().setResponseDeleteRange(deleteResponse(x));
                case dev.skiff.store.TxnResponse x -> ResponseOp.newBuilder().setResponseTxn(txnResponse(x));
            });
        }
        return b.build();
    }
}
