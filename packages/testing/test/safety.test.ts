// The cancellation-safety kit on small operations, one per rule it checks.
import {
  CancelScope,
  Cancelled,
  checkpoint,
  nursery,
  sleep,
  suspend,
  type Operation,
} from "@copse/core";
import { describe, expect, test } from "vitest";
import {
  CancellationSafetyError,
  assertCancellationSafety,
  checkCancellationSafety,
  type CancellationSafetyOptions,
  type SafetyReport,
  type ViolationKind,
} from "../src/index.js";

function kinds(report: SafetyReport): Set<ViolationKind> {
  return new Set(report.failures.flatMap((f) => f.violations.map((v) => v.kind)));
}

/** Checks that `report` broke only rule `kind`, its first violation saying `message`. */
function expectOnly(report: SafetyReport, kind: ViolationKind, message: string | RegExp): void {
  expect(kinds(report)).toEqual(new Set([kind]));
  const text = report.failures[0]!.violations[0]!.message;
  if (typeof message === "string") expect(text).toBe(message);
  else expect(text).toMatch(message);
}

/** Checks an operation that needs no kit (its setup is `() => op`). */
function checkOperation(
  op: () => Operation<unknown>,
  options?: CancellationSafetyOptions,
): Promise<SafetyReport> {
  return checkCancellationSafety(() => op, options);
}

/** Only the `cancel` variant, eager start: enough for rules that do not depend on either. */
const CANCEL_EAGER = { variants: ["cancel"], starts: ["eager"] } as const;

describe("checkCancellationSafety: operations that follow the rules pass", () => {
  test("a resource released in finally, two suspensions: every variant, both paths", async () => {
    const report = await checkCancellationSafety(function guarded(kit) {
      return function* () {
        kit.acquired("file");
        try {
          yield* sleep(10);
          yield* sleep(10);
          return "copied";
        } finally {
          kit.released("file");
        }
      };
    });
    expect(report.ok).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.baselines.map((b) => [b.start, b.points, b.instants])).toEqual([
      ["eager", 3, [0, 10, 20]],
      ["lazy", 4, [0, 10, 20]],
    ]);
    // baselines + (cancel, sibling, shield) × points + timeout × instants
    expect(report.scenarios).toBe(2 + 3 * 3 + 3 + 3 * 4 + 3);
    expect(report.text).toMatch(/^Cancellation safety of guarded: all 29 scenarios passed\./);
  });

  test("an operation that never suspends has one point: before it starts", async () => {
    const report = await checkOperation(function* () {
      return 42;
    });
    expect(report.ok).toBe(true);
    expect(report.baselines.map((b) => b.points)).toEqual([1, 2]);
  });

  test("a shielded, bounded cleanup passes within the cancel budget", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          kit.acquired();
          try {
            yield* sleep(100);
          } finally {
            yield* new CancelScope({ shield: true }).run(() => sleep(20));
            kit.released();
          }
        },
      { cancelBudget: 20 },
    );
    expect(report.ok).toBe(true);
  });

  test("a timeout inside a shielded cleanup is the operation's own business", async () => {
    const report = await checkOperation(
      function* () {
        try {
          yield* sleep(10);
        } finally {
          yield* new CancelScope({ shield: true }).run(function* () {
            yield* new CancelScope({ deadline: Infinity }).run(function* (inner) {
              inner.relativeDeadline = 5;
              yield* sleep(50); // cut short by the inner deadline
            });
          });
        }
      },
      { cancelBudget: 5 },
    );
    expect(report.ok).toBe(true);
  });
});

describe("checkCancellationSafety: each rule, broken", () => {
  test("leak: a resource not released when cancelled", async () => {
    const report = await checkCancellationSafety(function noFinally(kit) {
      return function* () {
        kit.acquired("socket");
        yield* sleep(5);
        kit.released("socket");
      };
    });
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual(new Set(["leak"]));
    const first = report.failures[0]!;
    expect(first.scenario).toEqual({ variant: "cancel", start: "eager", point: 0 });
    expect(first.violations).toEqual([
      {
        kind: "leak",
        message: "socket was acquired once but released 0 times by the end of the scenario",
      },
    ]);
    expect(first.description).toBe("cancel at point 0 (eager start): before the operation starts");
    const second = report.failures[1]!;
    expect(second.description).toBe(
      "cancel at point 1 (eager start): before turn 1, t=5 ms, ready: [operation]; the operation has suspended once",
    );
    expect(second.trace.map((e) => `${e.time} ${e.text}`)).toEqual([
      "0 operation starts (startTask)",
      "0 acquired socket (in operation)",
      "5 ◆ the kit cancels the operation's scope (point 1)",
      "5 operation gets Cancelled: cancelled due to explicit with reason 'copse cancellation-safety kit'",
      "5 operation ends with Cancelled",
    ]);
  });

  test("double-release: cleanup in catch and in finally", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          kit.acquired("lock");
          try {
            yield* sleep(5);
          } catch (error) {
            kit.released("lock");
            throw error;
          } finally {
            kit.released("lock");
          }
        },
    );
    expectOnly(
      report,
      "double-release",
      "lock was released 2 times but acquired 1 (at t=0 ms): cleanup ran twice",
    );
  });

  test("swallowed-cancelled: catching Cancelled and returning a fallback", async () => {
    const report = await checkOperation(function* () {
      try {
        yield* sleep(5);
        return "fresh";
      } catch {
        return "stale";
      }
    });
    expectOnly(
      report,
      "swallowed-cancelled",
      /^Cancelled was thrown into the operation once \(first at t=0 ms\), but it returned "stale" instead of letting Cancelled propagate$/,
    );
    // the shield variant never delivers the kit's Cancelled, so it cannot be swallowed there
    expect(report.failures.some((f) => f.scenario.variant === "shield")).toBe(false);
  });

  test("slow-cancel: cleanup that waits longer than the budget", async () => {
    const report = await checkOperation(
      function* () {
        try {
          yield* sleep(5);
        } finally {
          yield* new CancelScope({ shield: true }).run(() => sleep(30));
        }
      },
      { cancelBudget: 10, ...CANCEL_EAGER },
    );
    expectOnly(
      report,
      "slow-cancel",
      "the operation ended 30 ms after the cancel (cancel at t=0 ms, end at t=30 ms); the cancel budget is 10 ms",
    );
  });

  test("hang: a busy loop that swallows Cancelled is abandoned after maxTurns", async () => {
    const report = await checkOperation(
      function* () {
        for (let done = 0; done < 3;) {
          try {
            yield* sleep(1);
            done++;
          } catch {
            // swallowed: try again
          }
        }
      },
      { maxTurns: 200, ...CANCEL_EAGER },
    );
    expectOnly(
      report,
      "hang",
      /^the operation was still running 0 ms after the cancel \(the cancel budget is 0 ms\), after \d+ turns; the kit abandoned it$/,
    );
  });

  test("hang: a sleeping loop that swallows Cancelled is abandoned in virtual time", async () => {
    const report = await checkOperation(function* () {
      for (let done = 0; done < 2;) {
        try {
          yield* sleep(10);
          done++;
        } catch {
          yield* new CancelScope({ shield: true }).run(() => sleep(10));
        }
      }
    }, CANCEL_EAGER);
    expectOnly(report, "hang", /ms after the cancel .* the kit abandoned it$/);
  });

  test("hang: swallowing Cancelled and then blocking for good is a deadlock", async () => {
    const report = await checkOperation(function* () {
      try {
        yield* sleep(5);
      } catch {
        yield* new CancelScope({ shield: true }).run(() => suspend());
      }
    }, CANCEL_EAGER);
    expectOnly(
      report,
      "hang",
      "the scenario never finished: every task is blocked for good and no timer is set (at t=0 ms); the operation was still running",
    );
  });

  test("task-left-running: a task started in kit.services and never stopped", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          kit.services.startSoon(
            function* () {
              for (;;) yield* sleep(1_000);
            },
            { name: "keepAlive" },
          );
          yield* sleep(5);
        },
      CANCEL_EAGER,
    );
    expect(kinds(report)).toEqual(new Set(["task-left-running"]));
    expect(report.failures[0]!.scenario.variant).toBe("baseline");
    expect(report.failures[0]!.violations[0]!.message).toMatch(
      /^the operation left task keepAlive running in kit\.services \(still running at t=5 ms, after the operation ended at t=5 ms\)$/,
    );
  });

  test("a task in kit.services that the operation stops on its way out is fine", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          const keepAlive = kit.services.startSoon(function* keepAlive() {
            for (;;) yield* sleep(1_000);
          });
          try {
            yield* sleep(5);
          } finally {
            keepAlive.cancel();
          }
        },
    );
    expect(report.ok).toBe(true);
  });

  test("shield: state shared between scenarios makes the shielded run differ", async () => {
    let calls = 0; // hidden state, kept across scenarios: what the kit's fresh setup guards against
    const report = await checkOperation(
      function* () {
        yield* sleep(5);
        return ++calls;
      },
      { variants: ["shield"], starts: ["eager"] },
    );
    expectOnly(
      report,
      "shield",
      "inside a shielded scope the operation returned 2 5 ms after its start, but uncancelled it returned 1 after 5 ms: something reached through the shield",
    );
  });

  test("error: a background task that fails", async () => {
    const report = await checkCancellationSafety(
      () => ({
        background: [
          function* flaky() {
            try {
              yield* sleep(100);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new Error("cleanup failed");
            }
          },
        ],
        operation: () => sleep(5),
      }),
      CANCEL_EAGER,
    );
    expectOnly(report, "error", "background task flaky failed: Error: cleanup failed");
  });

  test("invariant: check() reports what does not hold", async () => {
    const report = await checkCancellationSafety(() => {
      const state = { open: false };
      return {
        operation: function* () {
          state.open = true;
          yield* sleep(5);
          state.open = false;
        },
        check: () => [...(state.open ? ["the door was left open"] : [])],
      };
    }, CANCEL_EAGER);
    expect(kinds(report)).toEqual(new Set(["invariant"]));
    expect(report.failures[0]!.violations).toEqual([
      { kind: "invariant", message: "the door was left open" },
    ]);
  });

  test("a sibling failure reaches an operation blocked in its own nursery", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          yield* nursery(function* (n) {
            n.startSoon(function* () {
              kit.acquired("child");
              yield* sleep(10);
              kit.released("child");
            });
          });
        },
      { variants: ["sibling"] },
    );
    expect(kinds(report)).toEqual(new Set(["leak"]));
  });
});

describe("checkCancellationSafety: options and errors", () => {
  test("only: reruns one scenario, after its baseline", async () => {
    const report = await checkCancellationSafety(
      (kit) =>
        function* () {
          kit.acquired();
          yield* checkpoint();
          kit.released();
        },
      { only: { variant: "sibling", start: "lazy", point: 2 } },
    );
    expect(report.scenarios).toBe(2);
    expect(report.failures.map((f) => f.scenario)).toEqual([
      { variant: "sibling", start: "lazy", point: 2 },
    ]);
    expect(report.text).toContain(
      'rerun it alone with options { only: { variant: "sibling", start: "lazy", point: 2 } }',
    );
  });

  test("assertCancellationSafety throws the report; passes quietly otherwise", async () => {
    const leaky = (kit: { acquired(): void; released(): void }) =>
      function* () {
        kit.acquired();
        yield* sleep(1);
        kit.released();
      };
    const error = await assertCancellationSafety(leaky, { starts: ["eager"] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancellationSafetyError);
    expect((error as CancellationSafetyError).message).toMatch(
      /^Cancellation safety of leaky: \d+ of \d+ scenarios broke a rule\./,
    );
    expect((error as CancellationSafetyError).report.ok).toBe(false);
    const ok = await assertCancellationSafety(() => () => sleep(1));
    expect(ok.ok).toBe(true);
  });

  test("a Cancelled that escapes is what the kit expects, never a violation by itself", async () => {
    const report = await checkOperation(function* () {
      try {
        yield* sleep(5);
      } catch (error) {
        expect(error).toBeInstanceOf(Cancelled);
        throw error;
      }
    });
    expect(report.ok).toBe(true);
  });

  test("bad input is reported clearly", async () => {
    await expect(checkCancellationSafety(42 as never)).rejects.toThrow(
      "checkCancellationSafety expects a setup function (kit) => operation, got 42",
    );
    await expect(checkCancellationSafety(() => 42 as never)).rejects.toThrow(
      "a cancellation-safety setup must return the operation (a function returning an operation) or { operation, background?, check? }",
    );
    await expect(
      checkCancellationSafety(() => () => sleep(1), { cancelBudget: -1 }),
    ).rejects.toThrow(RangeError);
    await expect(
      checkCancellationSafety((kit) => {
        void kit.services;
        return () => sleep(1);
      }),
    ).rejects.toThrow(/kit\.services is only available while the scenario runs/);
  });
});

describe("checkCancellationSafety: runaway tasks other than the operation", () => {
  test("a child that swallows Cancelled and spins forever: the run is abandoned", async () => {
    const report = await checkOperation(
      function* () {
        yield* nursery(function* (n) {
          n.startSoon(function* spinner() {
            for (let i = 0; i < 3;) {
              try {
                yield* checkpoint();
                i++;
              } catch {
                // swallowed
              }
            }
          });
        });
      },
      { maxTurns: 500, only: { variant: "cancel", start: "eager", point: 1 } },
    );
    expectOnly(
      report,
      "hang",
      /^the scenario ran away: still running after \d+ turns \(at t=0 ms\); the kit abandoned the run; the operation was still running$/,
    );
  });
});
