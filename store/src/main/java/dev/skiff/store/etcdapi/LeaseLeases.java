package dev.skiff.store.etcdapi;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's Lease/LeaseLeases call (etcd 3.3+), which jetcd-grpc's generated API lacks; the client
 * ({@code EtcdStore}) and the endpoint ({@code EtcdServer}) both use this hand-made descriptor.
 * Its request is empty; its response is {@code LeaseLeasesResponse {ResponseHeader header = 1;
 * repeated LeaseStatus leases = 2}} with {@code LeaseStatus {int64 ID = 1}} (field numbers from
 * etcd's API).
 */
public final class LeaseLeases {
    public static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("etcdserverpb.Lease", "LeaseLeases"))
            .setRequestMarshaller(RawBytes.INSTANCE)
            .setResponseMarshaller(RawBytes.INSTANCE)
            .build();

    private static final int HEADER = 1;
    private static final int LEASES = 2;
    private static final int ID = 1;

    private LeaseLeases() {
    }

    public static byte[] encodeResponse(ResponseHeader header, List<Long> ids) {
        try {
            var bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeMessage(HEADER, header);
            for (long id : ids) {
                out.writeTag(LEASES, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(CodedOutputStream.computeInt64Size(ID, id));
                out.writeInt64(ID, id);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Long> decodeIds(byte[] response) throws IOException {
        List<Long> ids = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(response);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == tag(LEASES, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                CodedInputStream status = CodedInputStream.newInstance(in.readByteArray());
                for (int t = status.readTag(); t != 0; t = status.readTag()) {
                    if (t == tag(ID, WireFormat.WIRETYPE_VARINT)) {
                        ids.add(status.readInt64());
                    } else {
                        status.skipField(t);
                    }
                }
            } else {
                in.skipField(tag);
            }
        }
        return List.copyOf(ids);
    }

    private static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }

    /** Passes serialized messages through untouched. */
    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
