package io.github.vertxclassifier.http.guard;

import io.netty.channel.Channel;

/**
 * What the guard's handlers of one connection share, and nothing else; touched on the connection's event loop
 * only. {@link RequestHeads} writes the inbound state, the start of an incomplete head and the requests passed
 * on; {@link CloseOrdering} ends the inbound side and counts the answers; {@link HeaderDeadline} keeps the clock.
 */
final class ConnectionState {

    /** What happens to inbound bytes. */
    enum Inbound {
        /** Request heads are checked. */
        SCANNING,
        /** Chunked content of the last request: passed unchecked, its end is the decoder's business. */
        PASSING,
        /** The connection ends: nothing more is read. */
        DISCARDING
    }

    private final Channel channel;
    private final int maxUnanswered;
    private Inbound inbound = Inbound.SCANNING;
    private long clock; // seconds, ticked by HeaderDeadline
    private long headStartedAt = -1; // the tick at which the current incomplete head began; -1: none
    private boolean lastHeadIsHead; // the head the scanner saw last is a HEAD request, as far as its first bytes tell
    private int unanswered;
    private Runnable whenAnswered; // set while reading is held back for answers to drain

    /**
     * {@code maxUnanswered}: requests passed to the decoder whose answer has not ended yet, beyond which the
     * connection is not read until answers drain: Vert.x queues pipelined requests while it answers one at a time,
     * and a client that sends without reading must not make it queue more than this many.
     */
    ConnectionState(Channel channel, int maxUnanswered) {
        this.channel = channel;
        this.maxUnanswered = maxUnanswered;
    }

    Channel channel() {
        return channel;
    }

    Inbound inbound() {
        return inbound;
    }

    /** Chunked content follows: its end is the decoder's business alone, and nothing after it is served. */
    void passRest() {
        inbound = Inbound.PASSING;
    }

    /** The connection ends: nothing more is read, and no header deadline runs. */
    void endInbound() {
        inbound = Inbound.DISCARDING;
        headStartedAt = -1;
    }

    void tick() {
        clock++;
    }

    /** A head has begun and is not complete yet: the deadline runs from now, unless it already does. */
    void headIncomplete(boolean headMethod) {
        if (headStartedAt < 0) {
            headStartedAt = clock;
        }
        lastHeadIsHead = headMethod;
    }

    void headComplete(boolean headMethod) {
        headStartedAt = -1;
        lastHeadIsHead = headMethod;
    }

    /**
     * True when the head the scanner saw last (complete or not) is a HEAD request: the one the decoder gave up on
     * (414, 431), unless the client pipelined more behind it in the same read.
     */
    boolean lastHeadIsHead() {
        return lastHeadIsHead;
    }

    /** Seconds since the current incomplete head began; -1 when there is none. */
    long headAge() {
        return headStartedAt < 0 ? -1 : clock - headStartedAt;
    }

    /** A request goes to the decoder: it is answered later (at once, on the public port). */
    void requestPassed() {
        unanswered++;
    }

    /** True while no more requests may go on: too many are unanswered, or the answers are not being read. */
    boolean mustWait() {
        return unanswered >= maxUnanswered || !channel.isWritable();
    }

    /** {@code resume} runs on the event loop after the next answer ends. */
    void whenAnswered(Runnable resume) {
        whenAnswered = resume;
    }

    /** The last part of a final response was written. */
    void answered() {
        unanswered--;
        Runnable resume = whenAnswered;
        if (resume != null) {
            whenAnswered = null;
            channel.eventLoop().execute(resume); // not from within the write that is going on
        }
    }
}
