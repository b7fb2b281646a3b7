package dev.skiff.controller;

/**
 * One controller the manager can run: its name as upstream's --controllers flag spells it
 * (e.g. {@code replicaset}, {@code deployment}, {@code garbage-collector}) and how to start it.
 * Starting registers informers and handlers on the context's factory and returns what stops it.
 */
public record ControllerDescriptor(String name, Starter starter) {

    @FunctionalInterface
    public interface Starter {
        AutoCloseable start(ControllerContext context) throws Exception;
    }
}
