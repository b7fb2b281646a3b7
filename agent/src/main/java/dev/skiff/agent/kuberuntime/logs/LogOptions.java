package dev.skiff.agent.kuberuntime.logs;

import java.time.Instant;

/**
 * What of a container log to read (upstream: kuberuntime/logs.LogOptions, from the PodLogOptions
 * of the request).
 *
 * @param tail       the last this many lines only (-1: all)
 * @param since      lines written at or after this time only (null: all)
 * @param limitBytes stop after this many bytes (-1: no limit)
 * @param follow     keep reading what the container writes until it stops running
 * @param timestamps prefix each line with the time it was written (RFC 3339 with nanoseconds)
 */
public record LogOptions(long tail, Instant since, long limitBytes, boolean follow, boolean timestamps) {
}
