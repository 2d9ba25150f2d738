import fc from "fast-check";
import type { Operation } from "@copse/core";
import type { CustomStmt, Stmt } from "./ast.js";
import type { VirtualClock } from "../virtual-clock.js";
import type { Draft } from "./statements/normalize.js";
import {
  statementKind,
  type RawBlock,
  type RawStmt,
  type StatementArbitrary,
} from "./statements/types.js";

/** What the `run` of a {@link StatementDefinition} gets from the interpreter. */
export interface StatementContext {
  /** The id of the task that runs the statement (also `currentTask().name`). */
  readonly task: string;
  /** The run's virtual clock. */
  readonly clock: VirtualClock;
  /** Adds an entry to the task's log; logs are compared between runs. */
  log(entry: string): void;
  /** `sleep(ms)`, logged with the time it woke at, like a `sleep` statement. */
  sleep(ms: number): Operation<void>;
  /** Runs the statement's block (nothing, for a kind without one). */
  body(): Operation<void>;
}

/**
 * A statement kind of your own, for operations of a library built on
 * copse: how to generate it and how to run it. {@link defineStatement}
 * turns it into a {@link StatementArbitrary} for {@link programArbitrary}.
 *
 * Race-freedom is the definition's part of the bargain: `run` may suspend
 * only by sleeping for one of the statement's `durations` (each a distinct
 * power of two, at most once each; `ctx.sleep` logs the sleep too) and in
 * `ctx.body()`, and may act on other tasks (cancel, fail, start) only right
 * after such a sleep.
 * An operation that keeps to that cannot tell the paths apart unless
 * copse does.
 */
export interface StatementDefinition<D = undefined> {
  /** The kind's name: printed in programs and messages. */
  readonly name: string;
  /** The statement's own data, generated and shrunk by fast-check (default: none). */
  readonly data?: fc.Arbitrary<D>;
  /** How many durations the statement needs (default 0, at most 8). */
  readonly durations?: number;
  /** Whether it holds a block of statements, run by `ctx.body()` (default `false`). */
  readonly body?: boolean;
  /** How often it is picked relative to the other kinds of its group (default 2). */
  readonly weight?: number;
  /** Runs one statement of this kind: an operation, run in the statement's task. */
  run(stmt: CustomStmt<D>, ctx: StatementContext): Operation<void>;
  /** The statement's line in a printed program (default: name, id, data and durations). */
  print?(stmt: CustomStmt<D>): string;
}

/** The {@link StatementArbitrary} of a {@link StatementDefinition}. */
export interface CustomStatementArbitrary<D> extends StatementArbitrary {
  readonly definition: StatementDefinition<D>;
}

const MAX_DURATIONS = 8;

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function check(def: StatementDefinition<unknown>): void {
  if (def === null || typeof def !== "object") {
    throw new TypeError(`defineStatement expects a definition object, got ${describe(def)}`);
  }
  if (typeof def.name !== "string" || !/^[A-Za-z_$][\w$]*$/.test(def.name)) {
    throw new TypeError(
      `defineStatement: name must be an identifier such as "withLock", got ${describe(def.name)}`,
    );
  }
  const where = `defineStatement(${JSON.stringify(def.name)})`;
  if (typeof def.run !== "function") {
    throw new TypeError(`${where}: run must be a function that returns an operation`);
  }
  const { durations = 0, weight = 2 } = def;
  if (!Number.isInteger(durations) || durations < 0 || durations > MAX_DURATIONS) {
    throw new RangeError(
      `${where}: durations must be an integer from 0 to ${MAX_DURATIONS}, got ${describe(durations)}`,
    );
  }
  if (typeof weight !== "number" || !Number.isFinite(weight) || weight <= 0) {
    throw new RangeError(`${where}: weight must be a positive number, got ${describe(weight)}`);
  }
  if (def.data !== undefined && !(def.data instanceof fc.Arbitrary)) {
    throw new TypeError(`${where}: data must be a fast-check arbitrary, such as fc.nat()`);
  }
}

/**
 * Makes a statement kind of your own: a {@link StatementArbitrary} to add
 * to {@link programArbitrary}'s `statements`, whose statements the
 * interpreter runs with `def.run`. The statement carries its definition,
 * so interpreting, printing and the equivalence property need nothing
 * more. A statement may be anywhere a `sleep` may be; its block, if any,
 * is generated like any other block in its place.
 *
 * @throws TypeError or RangeError for a definition without an identifier
 * name or a `run` function, with bad `durations` (0 to 8) or `weight`, or
 * with `data` that is not an arbitrary.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "fast-check";
 * import { defaultStatements, defineStatement, forEachStmt, programArbitrary } from "@copse/testing";
 *
 * // A library's operation: wait for a ticket, run the body, always hand it back.
 * const ticket = defineStatement({
 *   name: "withTicket",
 *   durations: 1,
 *   body: true,
 *   *run(stmt, ctx) {
 *     yield* ctx.sleep(stmt.durations[0]!);
 *     ctx.log(`took ${stmt.id}`);
 *     try {
 *       yield* ctx.body();
 *     } finally {
 *       ctx.log(`gave back ${stmt.id}`);
 *     }
 *   },
 * });
 * const programs = programArbitrary({ statements: [...defaultStatements, ticket] });
 * let seen = 0;
 * for (const p of fc.sample(programs, { numRuns: 50, seed: 1 })) {
 *   forEachStmt(p.main.body, "t0", (s) => void (s.kind === "custom" && seen++));
 * }
 * assert.ok(seen > 0);
 * ```
 */
export function defineStatement<D = undefined>(
  def: StatementDefinition<D>,
): CustomStatementArbitrary<D> {
  check(def as StatementDefinition<unknown>);
  const definition = Object.freeze({ ...def });
  const count = definition.durations ?? 0;
  const hasBody = definition.body ?? false;
  const raw = (data: D, keys: readonly number[], body: RawBlock): RawStmt => ({
    ...(hasBody ? { body } : {}),
    normalize(n, place): Stmt {
      const durations = keys.map(() => 0);
      const s: Draft<CustomStmt<D>> = {
        kind: "custom",
        def: definition,
        id: n.id("u"),
        data,
        durations,
        body: null,
      };
      keys.forEach((key, i) => n.time(key, (ms) => (durations[i] = ms)));
      if (hasBody) s.body = n.block(body, place);
      return s as CustomStmt;
    },
  });
  const kind = statementKind({
    name: definition.name,
    weight: definition.weight ?? 2,
    nests: hasBody,
    arbitrary: ({ block, timeKey }) =>
      fc
        .tuple(
          definition.data ?? fc.constant(undefined as D),
          fc.array(timeKey, { minLength: count, maxLength: count }),
          hasBody ? block : fc.constant<RawBlock>([]),
        )
        .map(([data, keys, body]) => raw(data, keys, body)),
  });
  return Object.freeze({ ...kind, definition });
}
