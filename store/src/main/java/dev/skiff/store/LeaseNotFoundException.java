package dev.skiff.store;

public class LeaseNotFoundException extends StoreException {
    public LeaseNotFoundException() {
        super("etcdserver: requested lease not found");
    }
}
