import { checkCancellationSafety, type SafetyKit } from "@copse/testing";
import { describe, expect, test } from "vitest";
import { FlakyService, retry, retryCatchingEverything } from "../src/retry.js";

/** A service that fails twice, then answers; each call takes 10 ms; backoff 5 ms, 10 ms. */
function subject(kit: SafetyKit, helper: typeof retry) {
  const service = new FlakyService(2, 10);
  return function* fetchAnswer() {
    kit.note("fetching");
    return yield* helper(() => service.call(), { attempts: 3, backoff: 5 });
  };
}

describe("retry: the cancellation-safety kit", () => {
  test("passes the retry helper that lets Cancelled through", async () => {
    const report = await checkCancellationSafety(function retryHelper(kit) {
      return subject(kit, retry);
    });
    console.log(report.text);
    expect(report.ok).toBe(true);
    expect(report.baselines[0]!.duration).toBe(45);
  });

  test("catches the helper that swallows Cancelled", async () => {
    const report = await checkCancellationSafety(
      function catchAll(kit) {
        return subject(kit, retryCatchingEverything);
      },
      { detail: 1 },
    );
    console.log(report.text);
    expect(report.ok).toBe(false);
    const kinds = new Set(report.failures.flatMap((f) => f.violations.map((v) => v.kind)));
    expect(kinds).toEqual(new Set(["swallowed-cancelled"]));
    expect(report.failures[0]!.violations[0]!.message).toMatch(
      /Cancelled was thrown into the operation 3 times .* but it threw RetryError: gave up after 3 attempts instead of letting Cancelled propagate/,
    );
    // every variant that cancels finds it; the shield hides the cancellation, as it should
    const variants = new Set(report.failures.map((f) => f.scenario.variant));
    expect(variants).toEqual(new Set(["cancel", "sibling", "timeout"]));
  });
});
