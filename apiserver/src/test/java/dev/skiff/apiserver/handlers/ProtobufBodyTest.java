package dev.skiff.apiserver.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** Bodies built field by field as upstream's generated.proto lays them out. */
class ProtobufBodyTest {

    private static byte[] message(Writer writer) throws Exception {
        var bytes = new ByteArrayOutputStream();
        var out = CodedOutputStream.newInstance(bytes);
        writer.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    interface Writer {
        void write(CodedOutputStream out) throws Exception;
    }

    @Test
    void decodesAConfigMapInItsEnvelope() throws Exception {
        byte[] meta = message(o -> {
            o.writeString(1, "c");
            o.writeString(2, "");
            o.writeBytes(8, ByteString.EMPTY); // zero creationTimestamp
            o.writeBytes(11, ByteString.copyFrom(message(e -> { e.writeString(1, "app"); e.writeString(2, "web"); })));
        });
        byte[] configMap = message(o -> {
            o.writeBytes(1, ByteString.copyFrom(meta));
            o.writeBytes(2, ByteString.copyFrom(message(e -> { e.writeString(1, "a"); e.writeString(2, "b"); })));
            o.writeBytes(3, ByteString.copyFrom(message(e -> { e.writeString(1, "bin"); e.writeBytes(2, ByteString.copyFromUtf8("hi")); })));
        });
        byte[] unknown = message(o -> {
            o.writeBytes(1, ByteString.copyFrom(message(t -> { t.writeString(1, "v1"); t.writeString(2, "ConfigMap"); })));
            o.writeBytes(2, ByteString.copyFrom(configMap));
        });
        byte[] body = new byte[unknown.length + 4];
        System.arraycopy(new byte[] {'k', '8', 's', 0}, 0, body, 0, 4);
        System.arraycopy(unknown, 0, body, 4, unknown.length);
        assertThat(ProtobufBody.toJson(body, "v1", "ConfigMap").toString()).isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                + "\"metadata\":{\"name\":\"c\",\"labels\":{\"app\":\"web\"}},\"data\":{\"a\":\"b\"},\"binaryData\":{\"bin\":\"aGk=\"}}");
    }
}
