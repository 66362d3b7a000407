/**
 * The port protocol's frames: the 20-byte little-endian header, the types
 * with their payload and descriptor rules, and a decoder that refuses every
 * malformed frame with a named reason, and {@link io.corral.worker.wire.FrameChannel},
 * one socket speaking frames. Shared by main and the worker library. The project's
 * {@code docs/port-protocol.md} is the reference for other languages.
 */
package io.corral.worker.wire;
