// Cases of the semantics catalogue written as programs: each is the same on the lazy,
// eager and mixed paths (docs/eager-lazy.md) and its trace shows the expected outcome.
import { describe, expect, test } from "vitest";
import { build as b, checkEquivalence, formatReport, raceFreedomViolations } from "../src/index.js";
import type { Program, Trace } from "../src/index.js";

/** Checks that `program` is race-free and the same on every path; returns its lazy trace. */
function samePaths(program: Program): Trace {
  expect(raceFreedomViolations(program)).toEqual([]);
  const report = checkEquivalence(program);
  expect(report.findings, formatReport(report)).toEqual([]);
  return report.traces[0]!;
}

const task = b.task;

/** The flags of a scope that was cancelled and caught the `Cancelled` it raised. */
const CAUGHT_ITS_CANCEL = { cancelCalled: true, cancelledCaught: true } as const;

describe("catalogue cases as programs are the same on every path", () => {
  test("L07/X09: a child started into a cancelled nursery runs, then is cancelled; cleanup once", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.cancel(1, "n1"),
          b.spawn("task", "n1", task("t1", [b.try("x1", [b.sleep(2)], { cleanup: [] })])),
        ]),
      ]),
    );
    const t1 = trace.tasks["t1"]!;
    expect(t1.outcome).toBe("cancelled");
    expect(t1.log).toEqual(["begin", "try x1", "sleep(2)", "finally x1", "end finally x1"]);
    expect(t1.endTime).toBe(1);
    expect(trace.cleanups["x1"]).toMatchObject({ runs: 1, results: ["completed"] });
    expect(trace.scopes["n1"]).toMatchObject({
      result: "returned",
      ...CAUGHT_ITS_CANCEL,
      exitedAt: 1,
    });
  });

  test("X08: an error in the first step cancels the nursery, not startTask's caller; no leak", () => {
    const trace = samePaths(
      b.program([
        b.try(
          "x1",
          [
            b.nursery("n1", [
              b.spawn("soon", "n1", task("t1", [b.try("x2", [b.sleep(4)], { onCancelled: [] })])),
              b.spawn("task", "n1", task("t2", [b.throw(null, "e1")]), { after: 1 }),
              b.sleep(2),
            ]),
          ],
          { catchErrors: true },
        ),
        b.sleep(8),
      ]),
    );
    expect(trace.tasks["t2"]).toMatchObject({ outcome: "error ProgramError(e1)", endTime: 1 });
    expect(trace.tasks["t1"]).toMatchObject({ outcome: "cancelled", endTime: 1 });
    expect(trace.tasks["t1"]!.log).toContain("catch x2 Cancelled");
    expect(trace.scopes["n1"]!.result).toBe("threw NurseryError[ProgramError(e1)]");
    expect(trace.tasks["t0"]!.log.slice(-3)).toEqual([
      "swallow x1 NurseryError[ProgramError(e1)]",
      "sleep(8)",
      "woke at 9",
    ]);
    expect(trace.tasks["t0"]!.outcome).toBe('ok "v0"');
  });

  test("E03: the body fails while a child runs: the child is cancelled, the group holds the body's error", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("soon", "n1", task("t1", [b.try("x1", [b.sleep(8)], { cleanup: [] })])),
          b.throw(1, "e1"),
        ]),
      ]),
    );
    expect(trace.tasks["t1"]).toMatchObject({ outcome: "cancelled", endTime: 1 });
    expect(trace.cleanups["x1"]!.runs).toBe(1);
    expect(trace.scopes["n1"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1)]",
      exitedAt: 1,
    });
  });

  test("E08: errors raised in cleanup are collected; the enclosing cancelled scope strips only Cancelled", () => {
    const child = (id: string, e: string, at: number) =>
      b.spawn(
        "soon",
        "n1",
        task(id, [
          b.try(`x${id}`, [b.sleep(at * 256)], { cleanup: [b.throw(at, e)], shieldCleanup: true }),
        ]),
      );
    const trace = samePaths(
      b.program([
        b.scope("s1", {}, [
          b.nursery("n1", [
            child("t1", "e1", 2),
            child("t2", "e2", 4),
            child("t3", "e3", 8),
            b.cancel(1, "s1"),
            b.sleep(128),
          ]),
        ]),
      ]),
    );
    expect(trace.scopes["n1"]!.result).toBe(
      "threw NurseryError[Cancelled, ProgramError(e1), ProgramError(e2), ProgramError(e3)]",
    );
    expect(trace.scopes["s1"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1), ProgramError(e2), ProgramError(e3)]",
      ...CAUGHT_ITS_CANCEL,
      exitedAt: 9,
    });
    for (const id of ["xt1", "xt2", "xt3"]) expect(trace.cleanups[id]!.runs).toBe(1);
  });

  test("E10: a nested nursery's group is nested in the outer group", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("soon", "n1", task("t1", [b.throw(16, "outer")])),
          b.nursery("n2", [b.spawn("soon", "n2", task("t2", [b.throw(1, "inner")]))]),
        ]),
      ]),
    );
    expect(trace.scopes["n2"]!.result).toBe("threw NurseryError[ProgramError(inner)]");
    expect(trace.scopes["n1"]).toMatchObject({
      result: "threw NurseryError[NurseryError[ProgramError(inner)]]",
      exitedAt: 1,
    });
    expect(trace.tasks["t1"]!.outcome).toBe("cancelled");
  });

  test("E12: Cancelled members stay in the group until the scope that owns them strips them", () => {
    const trace = samePaths(
      b.program([
        b.scope("outer", {}, [
          b.nursery("n1", [
            b.spawn("soon", "n1", task("t1", [b.sleep(64)])),
            b.spawn("soon", "n1", task("t2", [b.sleep(128)])),
            b.spawn(
              "soon",
              "n1",
              task("t3", [b.scope("s3", { shield: true }, [b.cancel(2, "outer")])]),
            ),
            b.spawn(
              "soon",
              "n1",
              task("t4", [b.scope("s4", { shield: true }, [b.throw(4, "e1")])]),
            ),
            b.cancel(1, "n1"),
          ]),
        ]),
      ]),
    );
    // n1 may not strip them: the scope above it is cancelled too.
    expect(trace.scopes["n1"]).toMatchObject({
      result: "threw NurseryError[Cancelled, Cancelled, ProgramError(e1)]",
      cancelledCaught: false,
      exitedAt: 4,
    });
    expect(trace.scopes["outer"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1)]",
      ...CAUGHT_ITS_CANCEL,
    });
  });

  test("L08: cancelling a nursery cancels every descendant; the nursery exits normally", () => {
    let ms = 32;
    const leaf = (id: string) =>
      task(id, [b.try(`x${id}`, [b.sleep((ms *= 2))], { onCancelled: [] })]);
    const worker = (id: string, m: string, l1: string, l2: string) =>
      b.spawn(
        "soon",
        "n1",
        task(id, [b.nursery(m, [b.spawn("soon", m, leaf(l1)), b.spawn("task", m, leaf(l2))])]),
      );
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          worker("t1", "m1", "t3", "t4"),
          worker("t2", "m2", "t5", "t6"),
          b.cancel(1, "n1"),
        ]),
      ]),
    );
    for (const id of ["t3", "t4", "t5", "t6"]) {
      expect(trace.tasks[id]!.log.filter((e) => e.startsWith("catch "))).toHaveLength(1);
      expect(trace.tasks[id]).toMatchObject({ outcome: "cancelled", endTime: 1 });
    }
    expect(trace.scopes["n1"]).toMatchObject({
      result: "returned",
      ...CAUGHT_ITS_CANCEL,
      exitedAt: 1,
    });
  });

  test("C02: a scope cancelled from another task absorbs it; the nursery is not cancelled", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("task", "n1", task("t1", [b.scope("s1", {}, [b.sleep(2)]), b.sleep(4)])),
          b.cancel(1, "s1"),
        ]),
      ]),
    );
    expect(trace.scopes["s1"]).toMatchObject({
      ...CAUGHT_ITS_CANCEL,
      exitedAt: 1,
    });
    expect(trace.tasks["t1"]).toMatchObject({ outcome: 'ok "v1"', endTime: 5 });
    expect(trace.scopes["n1"]!.cancelCalled).toBe(false);
  });

  test("C16: a cancelled task's cleanup sleeps raise again unless shielded", () => {
    const trace = samePaths(
      b.program([
        b.scope("s1", {}, [
          b.try("x1", [b.cancel(1, "s1"), b.sleep(2)], { cleanup: [b.sleep(4)] }),
        ]),
        b.scope("s2", {}, [
          b.try("x2", [b.cancel(8, "s2"), b.sleep(16)], {
            cleanup: [b.sleep(32)],
            shieldCleanup: true,
          }),
        ]),
      ]),
    );
    expect(trace.cleanups["x1"]!.results).toEqual(["threw Cancelled"]);
    expect(trace.scopes["s1"]).toMatchObject({ cancelledCaught: true, exitedAt: 1 });
    expect(trace.cleanups["x2"]!.results).toEqual(["completed"]);
    expect(trace.scopes["s2"]).toMatchObject({ cancelledCaught: true, exitedAt: 41 });
  });

  test("T01/T03/T13: timeouts fire at their deadline, fixed at entry, also in an eager first step", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn(
            "task",
            "n1",
            task("t1", [
              b.moveOnAfter("s1", 4, [b.sleep(64)]),
              b.try("x1", [b.failAfter("s2", 8, [b.sleep(128)])], { catchErrors: true }),
            ]),
            { after: 2 },
          ),
        ]),
      ]),
    );
    expect(trace.scopes["s1"]).toMatchObject({
      deadline: 6,
      exitedAt: 6,
      result: "returned",
      ...CAUGHT_ITS_CANCEL,
    });
    expect(trace.scopes["s2"]).toMatchObject({
      deadline: 14,
      exitedAt: 14,
      result: "threw TimeoutError(14)",
    });
    expect(trace.tasks["t1"]!.log).toContain("swallow x1 TimeoutError(14)");
  });

  test("X05/X06/X07: scopes, timeouts and nurseries opened in an eager first step belong to the new task", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn(
            "task",
            "n1",
            task("t1", [
              b.try(
                "x1",
                [
                  b.nursery("n2", [
                    b.spawn("soon", "n2", task("t2", [b.throw(1, "e1")])),
                    b.failAfter("s1", 16, [b.sleep(32)]),
                  ]),
                ],
                { catchErrors: true },
              ),
            ]),
          ),
          b.sleep(4),
        ]),
      ]),
    );
    for (const id of ["n2", "s1"])
      expect(trace.scopes[id]).toMatchObject({ owner: "t1", seenCurrent: "t1" });
    expect(trace.tasks["t1"]!.log[0]).toBe("begin");
    expect(trace.tasks["t1"]!.log).toContain("swallow x1 NurseryError[ProgramError(e1)]");
    expect(trace.tasks["t0"]!.log).toContain("woke at 4");
  });

  test("X12: cancelling a task after it finished eagerly does nothing; before, it cancels that task only", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("task", "n1", task("t1", [])),
          b.spawn("task", "n1", task("t2", [b.sleep(4)])),
          b.cancel(1, "t1"),
          b.cancel(2, "t2"),
        ]),
      ]),
    );
    expect(trace.tasks["t1"]!.outcome).toBe('ok "v1"');
    expect(trace.tasks["t2"]).toMatchObject({ outcome: "cancelled", endTime: 3 });
    expect(trace.scopes["n1"]).toMatchObject({ result: "returned", cancelCalled: false });
  });

  test("S01/S04/S06/S10: start returns started's value; errors before it come out of start", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          // S01
          b.spawn("start", "n1", task("t1", [b.started(1, "r1"), b.sleep(2)])),
          // S04: thrown before started, out of start itself, unwrapped
          b.try(
            "x1",
            [b.spawn("start", "n1", task("t2", [b.throw(4, "e2"), b.started(8, "r2")]))],
            {
              catchErrors: true,
            },
          ),
          // S10: cancelling the caller cancels only the starting child
          b.spawn("soon", "n1", task("t4", [b.cancel(16, "s1")])),
          b.scope("s1", {}, [b.spawn("start", "n1", task("t3", [b.started(32, "r3")]))]),
        ]),
        // S06: thrown after started, into the target nursery
        b.try(
          "x2",
          [
            b.nursery("n2", [
              b.spawn("start", "n2", task("t5", [b.started(64, "r5"), b.throw(128, "e5")])),
            ]),
          ],
          {
            catchErrors: true,
          },
        ),
      ]),
    );
    const log = trace.tasks["t0"]!.log;
    expect(log).toContain('start t1 returned "r1"');
    expect(log).toContain("swallow x1 ProgramError(e2)");
    expect(trace.scopes["s1"]).toMatchObject({
      ...CAUGHT_ITS_CANCEL,
      exitedAt: 21,
    });
    expect(trace.tasks["t3"]).toMatchObject({ outcome: "cancelled", endTime: 21 });
    expect(trace.scopes["n1"]).toMatchObject({
      result: "returned",
      cancelCalled: false,
      exitedAt: 21,
    });
    expect(log).toContain('start t5 returned "r5"');
    expect(log).toContain("swallow x2 NurseryError[ProgramError(e5)]");
  });
});

describe("joins, calls, all and race as programs are the same on every path", () => {
  test("joining a finished task neither suspends nor is a cancellation point", () => {
    const trace = samePaths(
      b.program([
        b.scope("s1", {}, [
          b.nursery("n1", [b.spawn("task", "n1", task("t1", []))]),
          b.cancel(1, "s1"),
          b.join(null, "t1"),
          b.checkpoint(),
        ]),
      ]),
    );
    // In the cancelled scope the join still returns t1's value; the
    // checkpoint after it is where the cancellation is delivered.
    expect(trace.tasks["t0"]!.log.slice(-4)).toEqual([
      "join t1",
      'joined t1 at 1: ok "v1"',
      "checkpoint",
      "leave s1",
    ]);
    expect(trace.scopes["s1"]).toMatchObject({ cancelledCaught: true, exitedAt: 1 });
  });

  test("joining an unfinished task waits for it, and is a cancellation point", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("soon", "n1", task("t1", [b.sleep(8)])),
          b.spawn("soon", "n1", task("t2", [b.cancel(2, "s1"), b.join(16, "t1")])),
          b.scope("s1", {}, [b.join(1, "t1")]),
          b.join(4, "t1"),
        ]),
      ]),
    );
    expect(trace.scopes["s1"]).toMatchObject({ cancelledCaught: true, exitedAt: 2 });
    expect(trace.tasks["t0"]!.log).toContain('joined t1 at 8: ok "v1"');
    expect(trace.tasks["t0"]!.log.filter((e) => e.startsWith("joined"))).toHaveLength(1);
    expect(trace.tasks["t2"]!.log.slice(-2)).toEqual(["join t1", 'joined t1 at 18: ok "v1"']);
  });

  test("E01 with a join: the failure of the joined task cancels a joiner in its nursery", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [b.spawn("soon", "n1", task("t1", [b.throw(2, "e1")])), b.join(1, "t1")]),
      ]),
    );
    expect(trace.tasks["t0"]!.log).not.toContain("joined t1 at 2: error ProgramError(e1)");
    expect(trace.scopes["n1"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1)]",
      exitedAt: 2,
    });
  });

  test("a join from outside the nursery sees the error, and may rethrow it", () => {
    const trace = samePaths(
      b.program([
        b.try("x1", [b.nursery("n1", [b.spawn("soon", "n1", task("t1", [b.throw(2, "e1")]))])], {
          catchErrors: true,
        }),
        b.join(null, "t1"),
        b.join(4, "t1", { rethrow: true }),
      ]),
    );
    expect(trace.tasks["t0"]!.log.slice(-6)).toEqual([
      "join t1",
      "joined t1 at 2: error ProgramError(e1)",
      "sleep(4)",
      "woke at 6",
      "join t1",
      "joined t1 at 6: error ProgramError(e1)",
    ]);
    expect(trace.tasks["t0"]).toMatchObject({ outcome: "error ProgramError(e1)", endTime: 6 });
  });

  test("call: the promise settles on the virtual clock; a rejection is thrown at the yield*", () => {
    const trace = samePaths(
      b.program([
        b.call("c1", 1, 8),
        b.try("x1", [b.call("c2", 2, 16, { rejects: "e1" })], { catchErrors: true }),
        b.call("c3", 32, "now"),
        b.call("c4", 64, "sync"),
      ]),
    );
    expect(trace.tasks["t0"]!.log).toEqual([
      "begin",
      "sleep(1)",
      "woke at 1",
      "call c1",
      'call c1 returned "c1" at 9',
      "try x1",
      "sleep(2)",
      "woke at 11",
      "call c2",
      "call c2 rejected at 27",
      "swallow x1 ProgramError(e1)",
      "sleep(32)",
      "woke at 59",
      "call c3",
      'call c3 returned "c3" at 59',
      "sleep(64)",
      "woke at 123",
      "call c4",
      'call c4 returned "c4" at 123',
    ]);
    for (const id of ["c1", "c2", "c3", "c4"]) {
      expect(trace.calls[id]).toMatchObject({ called: true, settled: true, aborted: false });
    }
  });

  test("call: cancelling the waiting task aborts the signal and abandons the promise", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("task", "n1", task("t1", [b.call("c1", 1, 8)])),
          b.cancel(2, "t1"),
        ]),
      ]),
    );
    expect(trace.tasks["t1"]).toMatchObject({ outcome: "cancelled", endTime: 2 });
    expect(trace.calls["c1"]).toEqual({
      id: "c1",
      task: "t1",
      called: true,
      settled: false,
      abandoned: true,
      aborted: true,
    });
    expect(trace.finalTime).toBe(2); // the abandoned promise's timer is gone
  });

  test("all: values in input order; children that finish eagerly complete it without suspending", () => {
    const trace = samePaths(
      b.program([
        b.all("g1", [task("t1", [b.sleep(4)]), task("t2", []), task("t3", [b.sleep(2)])]),
        b.scope("s1", {}, [b.cancel(8, "s1"), b.all("g2", [task("t4", []), task("t5", [])])]),
      ]),
    );
    expect(trace.scopes["g1"]).toMatchObject({ result: 'returned ["v1","v2","v3"]', exitedAt: 4 });
    // Inside the cancelled scope: no suspension, so no cancellation either.
    expect(trace.scopes["g2"]).toMatchObject({ result: 'returned ["v4","v5"]', exitedAt: 12 });
    expect(trace.scopes["s1"]).toMatchObject({ cancelCalled: true, cancelledCaught: false });
  });

  test("all: a failing child cancels its siblings; the group holds its error", () => {
    const trace = samePaths(
      b.program([
        b.try(
          "x1",
          [
            b.all("g1", [
              task("t1", [b.try("x2", [b.sleep(8)], { cleanup: [] })]),
              task("t2", [b.throw(2, "e1")]),
            ]),
          ],
          { catchErrors: true },
        ),
      ]),
    );
    expect(trace.tasks["t1"]).toMatchObject({ outcome: "cancelled", endTime: 2 });
    expect(trace.cleanups["x2"]).toMatchObject({ runs: 1, results: ["completed"] });
    expect(trace.scopes["g1"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1)]",
      exitedAt: 2,
    });
  });

  test("X06 for all: a group opened in an eager first step belongs to the new task", () => {
    const trace = samePaths(
      b.program([
        b.nursery("n1", [
          b.spawn("task", "n1", task("t1", [b.all("g1", [task("t2", [b.sleep(2)])])])),
        ]),
      ]),
    );
    expect(trace.scopes["g1"]).toMatchObject({ owner: "t1", seenCurrent: "t1", exitedAt: 2 });
    expect(trace.tasks["t2"]!.log).toEqual(["begin", "sleep(2)", "woke at 2"]);
  });

  test("race: the first to finish wins, the losers are cancelled and cleaned up", () => {
    const trace = samePaths(
      b.program([
        b.race("g1", [
          task("t1", [b.try("x1", [b.sleep(4)], { onCancelled: [], cleanup: [] }), b.sleep(64)]),
          task("t2", [b.sleep(2)]),
        ]),
        b.try(
          "x2",
          [b.race("g2", [task("t3", [b.throw(8, "e1"), b.sleep(32)]), task("t4", [b.sleep(16)])])],
          {
            catchErrors: true,
          },
        ),
      ]),
    );
    expect(trace.scopes["g1"]).toMatchObject({ result: 'returned "v2"', exitedAt: 2 });
    expect(trace.tasks["t1"]!.log).toContain("catch x1 Cancelled");
    expect(trace.cleanups["x1"]!.runs).toBe(1);
    // A winner that fails makes the race fail.
    expect(trace.scopes["g2"]).toMatchObject({
      result: "threw NurseryError[ProgramError(e1)]",
      exitedAt: 10,
    });
    expect(trace.tasks["t4"]).toMatchObject({ outcome: "cancelled", endTime: 10 });
  });

  test("race: a child that finishes in its eager step wins at once; later ones never start", () => {
    const trace = samePaths(
      b.program([
        b.race("g1", [task("t1", [b.sleep(8)]), task("t2", []), task("t3", [b.sleep(4)])]),
      ]),
    );
    expect(trace.scopes["g1"]).toMatchObject({ result: 'returned "v2"', exitedAt: 0 });
    expect(trace.tasks["t1"]).toMatchObject({ outcome: "cancelled", endTime: 0 });
    expect(trace.tasks["t3"]).toBeUndefined();
    expect(trace.spawned).toBe(2);
  });
});
