import { sleep } from "@copse/core";
import { checkCancellationSafety, type SafetyKit } from "@copse/testing";
import { describe, expect, test } from "vitest";
import { LeakyPool, Pool } from "../src/pool.js";

interface Conn {
  readonly name: string;
}

/**
 * A pool of one connection; a background client holds it for 5 ms, so the
 * operation under test — a 2 ms query through `use` — has to wait for it.
 */
function poolSubject(kit: SafetyKit, Kind: typeof Pool) {
  const pool = new Kind<Conn>([{ name: "conn-1" }], {
    checkout: (conn) => kit.acquired(conn),
    checkin: (conn) => kit.released(conn),
  });
  return {
    background: [
      function* holder() {
        yield* pool.use(() => sleep(5));
      },
    ],
    operation: () => pool.use((conn) => query(conn)),
    check: () =>
      pool.available === 1 || `the pool has ${pool.available} idle connections, expected 1`,
  };
}

function* query(conn: Conn) {
  yield* sleep(2);
  return `rows from ${conn.name}`;
}

describe("pool: the cancellation-safety kit", () => {
  test("passes the correct pool in every scenario", async () => {
    const report = await checkCancellationSafety(function pool(kit) {
      return poolSubject(kit, Pool);
    });
    console.log(report.text);
    expect(report.ok).toBe(true);
    expect(report.scenarios).toBeGreaterThan(20);
  });

  test("catches the planted leak: cancelled after being handed the connection", async () => {
    const report = await checkCancellationSafety(function leakyPool(kit) {
      return poolSubject(kit, LeakyPool);
    });
    console.log(report.text);
    expect(report.ok).toBe(false);
    const kinds = new Set(report.failures.flatMap((f) => f.violations.map((v) => v.kind)));
    expect(kinds).toEqual(new Set(["leak", "invariant"]));
    const first = report.failures[0]!;
    expect(first.scenario).toMatchObject({ variant: "cancel", start: "eager" });
    expect(first.violations[0]!.message).toMatch(/conn-1 was acquired twice but released once/);
    expect(report.text).toMatch(/leak: conn-1/);
    // Only the window between the hand-over and the resumption leaks.
    expect(
      report.failures.every(
        (f) => f.scenario.variant === "cancel" || f.scenario.variant === "sibling",
      ),
    ).toBe(true);
  });
});
