package dev.skiff.store.etcdserver;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** etcdserverpb.Cluster: a single member (this endpoint); membership changes are UNIMPLEMENTED. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Headers headers;
    private final Supplier<String> clientUrl;

    ClusterService(Headers headers, Supplier<String> clientUrl) {
        this.headers = headers;
        this.clientUrl = clientUrl;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        Calls.unary(out, () -> MemberListResponse.newBuilder()
                .setHeader(headers.header(headers.currentRevisionOrSeen()))
                .addMembers(Member.newBuilder().setID(headers.memberId).setName("skiff")
                        .addPeerURLs(clientUrl.get()).addClientURLs(clientUrl.get()).build())
                .build());
    }
}
