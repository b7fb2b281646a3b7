/**
 * An etcd v3 gRPC endpoint over any {@link dev.skiff.store.Store}, so etcd clients (etcdctl,
 * jetcd, kube-apiserver) can use skiff's store as a single-member etcd, as kine does for k3s.
 *
 * <pre>{@code
 * try (EtcdServer etcd = EtcdServer.start(store, EtcdServerConfig.loopback(2379))) { ... }
 * // with snapshots: EtcdServer.start(store, config, embeddedStore::snapshot)
 * }</pre>
 *
 * <p>Served: KV (Range, Put, DeleteRange, Txn, Compact), Watch, Lease (incl. LeaseLeases),
 * Maintenance (Status, Snapshot, Alarm list, no-op Defragment), Cluster.MemberList. Not served
 * (UNIMPLEMENTED): Auth, membership changes, Hash/HashKV, MoveLeader, v3election/v3lock.
 */
package dev.skiff.store.etcdserver;
