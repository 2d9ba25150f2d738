import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  build as b,
  checkEquivalence,
  forEachStmt,
  interpret,
  programArbitrary,
  programSize,
  raceFreedomViolations,
  type Program,
  type Trace,
} from "../src/index.js";

const SAMPLES = 1000;
const samples: readonly Program[] = fc.sample(programArbitrary(), { numRuns: SAMPLES, seed: 42 });

describe("programs", () => {
  test("a program prints as indented pseudo-code", () => {
    const program = b.program([
      b.nursery("n1", [
        b.spawn("task", "n1", b.task("t1", [b.throw(null, "e1")]), { after: 1 }),
        b.spawn("start", "n1", b.task("t2", [b.started(2, "r2"), b.checkpoint()])),
        b.try("x1", [b.failAfter("s1", 4, [b.sleep(8)])], {
          onCancelled: [],
          catchErrors: true,
          cleanup: [b.cancel(16, "n1")],
          shieldCleanup: true,
        }),
        b.scope("s2", { deadline: 32, shield: true }, []),
      ]),
    ]);
    expect(program.toString()).toBe(
      [
        "task t0:",
        "  nursery n1:",
        "    sleep(1); startTask t1 in n1:",
        "      throw e1",
        '      return "v1"',
        "    yield* start t2 in n1:",
        '      sleep(2); started("r2")',
        "      checkpoint()",
        '      return "v2"',
        "    try x1:",
        "      failAfter(4) s1:",
        "        sleep(8)",
        "    catch Cancelled:",
        "      rethrow",
        "    catch other errors: log and continue",
        "    finally (shielded):",
        "      sleep(16); cancel(n1)",
        "    scope s2 (deadline +32, shield):",
        "      pass",
        '  return "v0"',
      ].join("\n"),
    );
    expect(programSize(program)).toBe(11);
    expect(raceFreedomViolations(program)).toEqual([]);
  });

  test("raceFreedomViolations checks durations exactly, at any size", () => {
    const program = (ms: number) => b.program([b.sleep(2 ** 52), b.sleep(ms)]);
    expect(raceFreedomViolations(program(2 ** 51))).toEqual([]);
    expect(raceFreedomViolations(program(3 * 2 ** 40))).toEqual([
      `sleep in t0: ${3 * 2 ** 40} is not a power of two`,
    ]);
    expect(raceFreedomViolations(program(2 ** 52))).toEqual([
      "the duration 4503599627370496 is used 2 times",
    ]);
  });

  test("generated programs keep the race-freedom rules and vary in size", () => {
    const sizes = samples.map(programSize);
    for (const program of samples) expect(raceFreedomViolations(program)).toEqual([]);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(40);
    expect(sizes.filter((n) => n >= 10).length).toBeGreaterThan(SAMPLES / 2);
  });

  test("the generator uses every construct", () => {
    const kinds = new Map<string, number>();
    const count = (key: string): void => void kinds.set(key, (kinds.get(key) ?? 0) + 1);
    for (const program of samples) {
      forEachStmt(program.main.body, "t0", (stmt, task) => {
        count(stmt.kind);
        if (stmt.kind === "spawn") count(`spawn ${stmt.via}`);
        if (stmt.kind === "spawn" && stmt.task.body[0]?.kind === "throw") count("first-step throw");
        if (stmt.kind === "scope" && stmt.shield) count("shield");
        if (stmt.kind === "scope" && stmt.deadline !== null) count("deadline");
        if (stmt.kind === "timeout") count(stmt.fail ? "failAfter" : "moveOnAfter");
        if (stmt.kind === "try" && stmt.onCancelled !== null) count("catch Cancelled");
        if (stmt.kind === "try" && stmt.catchErrors) count("catch errors");
        if (stmt.kind === "try" && stmt.cleanup?.shield === true) count("shielded cleanup");
        if (stmt.kind === "try" && stmt.cleanup?.shield === false) count("cleanup");
        if (stmt.kind === "cancel" && stmt.target.startsWith("t")) count("cancel task");
        if (stmt.kind === "cancel" && task !== "t0") count("cancel in child");
      });
    }
    for (const key of [
      "sleep",
      "checkpoint",
      "cancel",
      "cancel task",
      "cancel in child",
      "throw",
      "first-step throw",
      "started",
      "shield",
      "deadline",
      "moveOnAfter",
      "failAfter",
      "nursery",
      "spawn soon",
      "spawn task",
      "spawn start",
      "catch Cancelled",
      "catch errors",
      "cleanup",
      "shielded cleanup",
    ]) {
      expect(kinds.get(key) ?? 0, key).toBeGreaterThanOrEqual(SAMPLES / 20);
    }
  });
});

describe("traces", () => {
  const traces: readonly Trace[] = samples.map((p) => interpret(p, { starts: "lazy" }));

  test("every timer of a generated program fires at an instant of its own (rule 1)", () => {
    for (const trace of traces) {
      const instants: number[] = [];
      for (const task of Object.values(trace.tasks)) {
        for (const entry of task.log) {
          const woke = /^woke at (\d+)/.exec(entry);
          if (woke !== null) instants.push(Number(woke[1]));
        }
      }
      for (const scope of Object.values(trace.scopes)) {
        // A deadline fired if the block was still running when it came.
        const { deadline, exitedAt } = scope;
        if (
          deadline !== null &&
          deadline !== Infinity &&
          exitedAt !== null &&
          exitedAt >= deadline
        ) {
          instants.push(deadline);
        }
      }
      expect(new Set(instants).size).toBe(instants.length);
    }
  });

  test("generated programs reach every kind of ending", () => {
    const seen = new Map<string, number>();
    const count = (key: string): void => void seen.set(key, (seen.get(key) ?? 0) + 1);
    for (const trace of traces) {
      const outcomes = Object.values(trace.tasks).map((t) => t.outcome);
      if (outcomes.some((o) => o === "cancelled")) count("a task cancelled");
      if (outcomes.some((o) => o.startsWith("error ProgramError"))) count("a task failed");
      if (outcomes.some((o) => o.startsWith("error NurseryError")))
        count("a nursery error escaped a task");
      if (outcomes.some((o) => o.startsWith("ok"))) count("a child returned");
      const scopes = Object.values(trace.scopes);
      if (scopes.some((s) => s.result?.startsWith("threw TimeoutError") === true))
        count("failAfter fired");
      if (scopes.some((s) => s.kind === "moveOnAfter" && s.cancelledCaught))
        count("moveOnAfter fired");
      if (scopes.some((s) => s.kind === "scope" && s.cancelledCaught)) count("a scope absorbed");
      if (scopes.some((s) => s.cancelCalled && !s.cancelledCaught)) count("cancelled, not caught");
      if (scopes.some((s) => s.kind === "nursery" && /NurseryError\[.*, /.test(s.result ?? ""))) {
        count("a group of several errors");
      }
      const logs = Object.values(trace.tasks).flatMap((t) => t.log);
      if (logs.some((e) => e.startsWith("catch "))) count("Cancelled caught and rethrown");
      if (logs.some((e) => e.startsWith("swallow "))) count("an error swallowed");
      if (logs.some((e) => /^start t\d+ returned/.test(e))) count("start returned");
      if (Object.values(trace.cleanups).some((c) => c.results.some((r) => r.startsWith("threw")))) {
        count("a cleanup threw");
      }
    }
    for (const key of [
      "a task cancelled",
      "a task failed",
      "a nursery error escaped a task",
      "a child returned",
      "failAfter fired",
      "moveOnAfter fired",
      "a scope absorbed",
      "cancelled, not caught",
      "a group of several errors",
      "Cancelled caught and rethrown",
      "an error swallowed",
      "start returned",
      "a cleanup threw",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(SAMPLES / 100);
    }
  });

  test("interpreting is deterministic: the same program gives the same trace", () => {
    for (const program of samples.slice(0, 200)) {
      expect(interpret(program, { starts: "mixed" })).toEqual(
        interpret(program, { starts: "mixed" }),
      );
    }
  });
});

describe("the race-freedom rules are needed", () => {
  // Each program below breaks one rule and is then a real race: the runs
  // differ although the runtime is right. With the rule kept, they agree.
  const cases = [
    {
      rule: "rule 3",
      // t0 cancels t1's scope at 1 and, in the same step, starts t2, which
      // fails at once. Lazily, t1 first absorbs its own cancellation in s1
      // and reaches its checkpoint; eagerly, n1 is already cancelled, so s1
      // may not absorb and the Cancelled ends t1.
      racy: (after?: number) =>
        b.program([
          b.nursery("n1", [
            b.spawn("soon", "n1", b.task("t1", [b.scope("s1", {}, [b.sleep(4)]), b.checkpoint()])),
            b.cancel(1, "s1"),
            b.spawn(
              "soon",
              "n1",
              b.task("t2", [b.throw(null, "e1")]),
              after === undefined ? {} : { after },
            ),
          ]),
        ]),
      violation: "t2 throws in its first step, so it must be started after a sleep",
      differs: "s1.cancelledCaught",
    },
    {
      rule: "rule 4",
      // e1 travels through a finally that starts t1 and then checkpoints;
      // n1 is cancelled only when e1 reaches it. A lazy t1 checkpoints after
      // t0 did and resumes after that; an eager t1 resumes before.
      racy: (after?: number) =>
        b.program([
          b.nursery("n1", [
            b.try("x1", [b.throw(1, "e1")], {
              cleanup: [
                b.spawn(
                  "soon",
                  "n1",
                  b.task(
                    "t1",
                    after === undefined ? [b.checkpoint()] : [b.sleep(after), b.checkpoint()],
                  ),
                ),
                b.checkpoint(),
              ],
            }),
          ]),
        ]),
      violation: "t1 may checkpoint at the instant it is started",
      differs: "t1.outcome",
    },
  ];

  for (const { rule, racy, violation, differs } of cases) {
    test(`breaking ${rule} is reported by raceFreedomViolations and makes the runs differ`, () => {
      expect(raceFreedomViolations(racy())).toEqual([violation]);
      expect(checkEquivalence(racy()).findings.map((f) => f.where)).toContain(differs);
    });

    test(`keeping ${rule}, the same program is the same on every path`, () => {
      expect(raceFreedomViolations(racy(2))).toEqual([]);
      expect(checkEquivalence(racy(2)).findings).toEqual([]);
    });
  }
});
