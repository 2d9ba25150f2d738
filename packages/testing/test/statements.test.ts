// The program arbitrary is assembled from statement kinds, and downstream
// code composes them: a subset of the kit's kinds, and kinds of its own.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { sleep } from "@copse/core";
import {
  build as b,
  defaultStatements,
  defineStatement,
  equivalenceProperty,
  forEachStmt,
  interpret,
  programArbitrary,
  raceFreedomViolations,
  statements,
  type Program,
  type StatementDefinition,
} from "../src/index.js";

/** How often each statement kind occurs in `programs`. */
function kindsIn(programs: readonly Program[]): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const program of programs) {
    forEachStmt(program.main.body, "t0", (stmt) => {
      const kind = stmt.kind === "custom" ? stmt.def.name : stmt.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    });
  }
  return kinds;
}

/** A downstream operation: take a ticket after a wait, run the body, always give it back. */
const ticket = defineStatement({
  name: "withTicket",
  data: fc.constantFrom("gold", "silver"),
  durations: 1,
  body: true,
  *run(stmt, ctx) {
    yield* ctx.sleep(stmt.durations[0]!);
    ctx.log(`took ${stmt.data} ticket ${stmt.id}`);
    try {
      yield* ctx.body();
    } finally {
      ctx.log(`gave back ${stmt.id}`);
    }
  },
});

describe("statement kinds compose", () => {
  test("the kit's kinds are values; the default is every one of them", () => {
    expect(defaultStatements).toEqual(Object.values(statements));
    expect(Object.isFrozen(statements.call)).toBe(true);
    expect(defaultStatements.map((k) => k.name)).toEqual([
      "sleep",
      "checkpoint",
      "cancel",
      "throw",
      "started",
      "join",
      "call",
      "scope",
      "timeout",
      "nursery",
      "spawn",
      "try",
      "all",
      "race",
      "set",
      "wait",
      "send",
      "receive",
      "close",
      "lock",
      "permit",
    ]);
  });

  test("a subset of kinds generates only those kinds", () => {
    const subset = programArbitrary({
      statements: [statements.sleep, statements.cancel, statements.nursery, statements.spawn],
      features: { start: false, firstStepThrow: false },
    });
    const kinds = kindsIn(fc.sample(subset, { numRuns: 300, seed: 2 }));
    expect([...kinds.keys()].sort()).toEqual(["cancel", "nursery", "sleep", "spawn"]);
  });

  test("a weight is a field: more calls with a heavier call kind", () => {
    const heavy = [...defaultStatements.filter((k) => k !== statements.call)];
    heavy.push({ ...statements.call, weight: 12 });
    const count = (kinds: typeof defaultStatements) =>
      kindsIn(fc.sample(programArbitrary({ statements: kinds }), { numRuns: 300, seed: 4 })).get(
        "call",
      ) ?? 0;
    expect(count(heavy)).toBeGreaterThan(2 * count(defaultStatements));
  });

  test("a kind of your own is generated, printed, run, and kept race-free", () => {
    const programs = fc.sample(programArbitrary({ statements: [...defaultStatements, ticket] }), {
      numRuns: 300,
      seed: 3,
    });
    expect(kindsIn(programs).get("withTicket") ?? 0).toBeGreaterThan(30);
    for (const program of programs) expect(raceFreedomViolations(program)).toEqual([]);
    const program = b.program([
      b.custom(ticket, "u1", { data: "gold", durations: [2], body: [b.sleep(1)] }),
    ]);
    expect(String(program)).toBe(
      ["task t0:", '  withTicket u1 "gold" (2):', "    sleep(1)", '  return "v0"'].join("\n"),
    );
    expect(interpret(program, { starts: "lazy" }).tasks["t0"]!.log).toEqual([
      "begin",
      "withTicket u1",
      "sleep(2)",
      "woke at 2",
      "took gold ticket u1",
      "sleep(1)",
      "woke at 3",
      "gave back u1",
    ]);
  });

  test("the equivalence property runs over programs with a kind of your own", () => {
    const details = fc.check(
      equivalenceProperty({ program: { statements: [...defaultStatements, ticket] } }),
      { numRuns: 300, seed: 5 },
    );
    expect(details.failed).toBe(false);
    expect(details.numRuns).toBe(300);
  });

  test("a definition's own print is used for its line", () => {
    const gate = defineStatement({
      name: "gate",
      print: (stmt) => `gate ${stmt.id} opens`,
      *run(_stmt, ctx) {
        ctx.log("through the gate");
      },
    });
    const program = b.program([b.custom(gate, "u1", {})]);
    expect(String(program)).toBe(["task t0:", "  gate u1 opens", '  return "v0"'].join("\n"));
    expect(interpret(program, { starts: "eager" }).tasks["t0"]!.log).toEqual([
      "begin",
      "gate u1",
      "through the gate",
    ]);
  });
});

describe("mistakes in composing kinds are named", () => {
  const run = function* () {
    yield* sleep(1);
  };

  test.each([
    [
      { name: "with lock", run },
      TypeError,
      'defineStatement: name must be an identifier such as "withLock", got "with lock"',
    ],
    [
      { name: "lock" },
      TypeError,
      'defineStatement("lock"): run must be a function that returns an operation',
    ],
    [
      { name: "lock", run, durations: 9 },
      RangeError,
      'defineStatement("lock"): durations must be an integer from 0 to 8, got 9',
    ],
    [
      { name: "lock", run, weight: 0 },
      RangeError,
      'defineStatement("lock"): weight must be a positive number, got 0',
    ],
    [
      { name: "lock", run, data: [1, 2] },
      TypeError,
      'defineStatement("lock"): data must be a fast-check arbitrary, such as fc.nat()',
    ],
  ])("defineStatement(%o)", (def, type, message) => {
    expect(() => defineStatement(def as unknown as StatementDefinition)).toThrow(type);
    expect(() => defineStatement(def as unknown as StatementDefinition)).toThrow(message);
  });

  test("programArbitrary needs statement arbitraries, and at least one leaf", () => {
    expect(() => programArbitrary({ statements: [statements.sleep, {} as never] })).toThrow(
      new TypeError(
        "programArbitrary: options.statements[1] is not a statement arbitrary; use the values of `statements` or defineStatement(...)",
      ),
    );
    expect(() => programArbitrary({ statements: [statements.nursery, statements.try] })).toThrow(
      new RangeError(
        "programArbitrary needs at least one statement kind without a block among options.statements (such as statements.sleep)",
      ),
    );
  });

  test("a run that returns no operation fails its task with a TypeError that says so", () => {
    const bad = defineStatement({ name: "bad", run: () => undefined as never });
    const trace = interpret(b.program([b.custom(bad, "u1", {})]), { starts: "lazy" });
    expect(trace.tasks["t0"]!.outcome).toBe(
      'error TypeError(the run of statement kind "bad" must return an operation (write it as a generator function, function*), got undefined)',
    );
  });
});
