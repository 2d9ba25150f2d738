import { checkCancellationSafety, type SafetyKit } from "@copse/testing";
import { sleep } from "@copse/core";
import { describe, expect, test } from "vitest";
import { GOODBYE_LIMIT_MS, withSession, withSessionUnbounded, type Peer } from "../src/session.js";

/** A peer that takes 2 s to answer a goodbye; the session does 30 ms of work. */
function subject(kit: SafetyKit, open: typeof withSession) {
  const peer: Peer = {
    name: "db",
    goodbyeMs: 2_000,
    open: () => kit.acquired("session"),
    close: () => kit.released("session"),
  };
  return () => open(peer, () => sleep(30));
}

describe("session: the cancellation-safety kit", () => {
  test("passes the graceful close bounded by a timeout (cancel budget = the limit)", async () => {
    const report = await checkCancellationSafety(
      function boundedClose(kit) {
        return subject(kit, withSession);
      },
      { cancelBudget: GOODBYE_LIMIT_MS },
    );
    console.log(report.text);
    expect(report.ok).toBe(true);
  });

  test("catches the unbounded graceful close: slow to cancel", async () => {
    const report = await checkCancellationSafety(
      function unboundedClose(kit) {
        return subject(kit, withSessionUnbounded);
      },
      { cancelBudget: GOODBYE_LIMIT_MS, detail: 1 },
    );
    console.log(report.text);
    expect(report.ok).toBe(false);
    const kinds = new Set(report.failures.flatMap((f) => f.violations.map((v) => v.kind)));
    expect(kinds).toEqual(new Set(["slow-cancel"]));
    expect(report.failures[0]!.violations[0]!.message).toMatch(
      /the operation ended 2000 ms after the cancel .*; the cancel budget is 50 ms/,
    );
  });
});
