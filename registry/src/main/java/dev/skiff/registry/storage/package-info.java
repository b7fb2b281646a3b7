/**
 * Objects in the store with upstream's etcd3 storage semantics. Everything here speaks
 * resourceVersions as decimal strings of store revisions; continue tokens are upstream's
 * base64 JSON so a client cannot tell skiff from kube-apiserver by them.
 */
package dev.skiff.registry.storage;
