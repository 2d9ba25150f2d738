// The copse kit's cancellation-safety check on an operation that runs an
// Effect holding a resource. The kit cancels between copse turns and at the
// instants of the uncancelled run; since a running fiber is work in flight
// (virtual time stands still, no turn happens), it never cancels in the
// middle of the fiber — run-effect.test.ts covers that. What this shows is
// that an operation using runEffect passes the kit downstream authors use:
// no hang reported for the fiber's wait, the release done before the
// bridge returns, Cancelled propagated at every point.
import { sleep } from "@copse/core";
import { checkCancellationSafety, type SafetyKit, type SafetySubject } from "@copse/testing";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { runEffect } from "../src/index.js";

/**
 * A session: 5 ms of copse work, then an Effect that acquires a connection,
 * uses it for 2 ms and takes 1 ms to release it (real time), then 5 ms more.
 */
function session(kit: SafetyKit): SafetySubject<string> {
  let held = false;
  let heldAfterBridge = false;
  const useConnection = Effect.acquireUseRelease(
    Effect.sync(() => {
      held = true;
      kit.acquired("conn");
    }),
    () => Effect.as(Effect.sleep(2), "used"),
    () =>
      Effect.andThen(
        Effect.sleep(1),
        Effect.sync(() => {
          held = false;
          kit.released("conn");
        }),
      ),
  );
  return {
    operation: function* () {
      yield* sleep(5);
      let value: string;
      try {
        value = yield* runEffect(useConnection);
      } finally {
        if (held) heldAfterBridge = true;
      }
      yield* sleep(5);
      return value;
    },
    check: () => (heldAfterBridge ? "the bridge ended while the connection was held" : undefined),
  };
}

describe("cancellation safety of an operation that uses runEffect", () => {
  it("passes: released before runEffect returns, Cancelled propagated at every point", async () => {
    const report = await checkCancellationSafety(function effectSession(kit) {
      return session(kit);
    });
    expect(report.ok, report.text).toBe(true);
    expect(report.text.split("\n")[0]).toBe(
      "Cancellation safety of effectSession: all 35 scenarios passed.",
    );
  });
});
