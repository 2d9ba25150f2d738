// A session with a graceful close: on the way out (also when cancelled) it
// says goodbye to the peer in a shielded scope. One version bounds the
// goodbye with a timeout; the other waits as long as the peer takes.
// Checked by the cancellation-safety kit in examples/test/session.test.ts.
import { CancelScope, sleep, type Operation } from "@copse/core";
import { moveOnAfter } from "@copse/timeout";

/** The far end of a session: how long it takes to answer a goodbye. */
export interface Peer {
  readonly name: string;
  readonly goodbyeMs: number;
  open(): void;
  close(): void;
}

/** How long a graceful close may take before the session is dropped. */
export const GOODBYE_LIMIT_MS = 50;

function* goodbye(peer: Peer): Operation<void> {
  yield* sleep(peer.goodbyeMs); // send goodbye, wait for the answer
}

/**
 * Opens a session, runs `fn`, and closes gracefully: the goodbye runs
 * shielded (so it happens even when the session is cancelled) but bounded
 * by {@link GOODBYE_LIMIT_MS}, so a cancelled caller is never held up longer.
 */
export function* withSession<T>(peer: Peer, fn: () => Operation<T>): Operation<T> {
  peer.open();
  try {
    return yield* fn();
  } finally {
    yield* new CancelScope({ shield: true }).run(() =>
      moveOnAfter(GOODBYE_LIMIT_MS, () => goodbye(peer)),
    );
    peer.close();
  }
}

/**
 * **Planted bug.** The goodbye is shielded but has no limit: a cancelled
 * caller waits for as long as the peer takes to answer.
 */
export function* withSessionUnbounded<T>(peer: Peer, fn: () => Operation<T>): Operation<T> {
  peer.open();
  try {
    return yield* fn();
  } finally {
    yield* new CancelScope({ shield: true }).run(() => goodbye(peer));
    peer.close();
  }
}
