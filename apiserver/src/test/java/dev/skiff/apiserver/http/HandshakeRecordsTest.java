package dev.skiff.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class HandshakeRecordsTest {

    private static byte[] message(int type, int length) {
        byte[] m = new byte[4 + length];
        m[0] = (byte) type;
        m[1] = (byte) (length >> 16);
        m[2] = (byte) (length >> 8);
        m[3] = (byte) length;
        for (int i = 0; i < length; i++) {
            m[4 + i] = (byte) (type + i);
        }
        return m;
    }

    private static byte[] record(int type, byte[]... payloads) {
        var payload = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            payload.writeBytes(p);
        }
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) type, 3, 3, (byte) (payload.size() >> 8), (byte) payload.size()});
        out.writeBytes(payload.toByteArray());
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void theServersFirstFlightGetsOneRecordPerMessage() {
        byte[] hello = message(2, 70);
        byte[] certificate = message(11, 600);
        byte[] keyExchange = message(12, 140);
        byte[] done = message(14, 0);
        var split = HandshakeRecords.split(record(22, hello, certificate, keyExchange, done));
        assertThat(split.records()).isEqualTo(concat(record(22, hello), record(22, certificate), record(22, keyExchange), record(22, done)));
        assertThat(split.done()).isFalse();
    }

    @Test
    void nothingFromChangeCipherSpecOnIsTouched() {
        byte[] encryptedFinished = record(22, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        byte[] flight = concat(record(22, message(4, 10), message(20, 12)), record(20, new byte[] {1}), encryptedFinished);
        var split = HandshakeRecords.split(flight);
        assertThat(split.records()).isEqualTo(concat(record(22, message(4, 10)), record(22, message(20, 12)), record(20, new byte[] {1}),
                encryptedFinished));
        assertThat(split.done()).isTrue();
        byte[] data = record(23, new byte[] {9, 9, 9});
        assertThat(HandshakeRecords.split(data).records()).isSameAs(data);
        assertThat(HandshakeRecords.split(data).done()).isTrue();
    }

    @Test
    void aSingleMessageAFragmentOrAnIncompleteRecordIsLeftAlone() {
        byte[] single = record(22, message(2, 70));
        assertThat(HandshakeRecords.split(single).records()).isSameAs(single);
        byte[] fragment = record(22, message(11, 100), new byte[] {12, 0, 1, 0, 1}); // the second message goes on in the next record
        assertThat(HandshakeRecords.split(fragment).records()).isSameAs(fragment);
        byte[] cut = java.util.Arrays.copyOf(record(22, message(2, 70), message(14, 0)), 40);
        assertThat(HandshakeRecords.split(cut).records()).isSameAs(cut);
    }
}
