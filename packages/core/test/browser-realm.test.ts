// @copse/core must also run in a browser: its sources are loaded into a
// fresh realm that has only browser globals (no process, require, Buffer,
// setImmediate, node:* modules) and run a program there (a child Node
// process, because vm modules need --experimental-vm-modules).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("runs in a realm with only browser globals", () => {
  const script = fileURLToPath(new URL("./fixtures/browser-realm.mjs", import.meta.url));
  const src = fileURLToPath(new URL("../src", import.meta.url));
  const child = spawnSync(
    process.execPath,
    ["--experimental-vm-modules", "--no-warnings", script, src],
    {
      encoding: "utf8",
    },
  );
  expect(child.stderr).toBe("");
  expect(child.status).toBe(0);
  const report = JSON.parse(child.stdout) as {
    value: { eager: unknown[]; slept: string; called: string; spins: number };
    globals: string[];
    yields: number;
  };
  expect(report.globals).toEqual([]);
  // The first child reported its own (default) name: currentTask() works there too.
  expect(report.value.eager[0]).toMatch(/^task-\d+$/);
  expect(report.value.eager[1]).toBe(2);
  expect(report.value.slept).toBe("slept");
  expect(report.value.called).toBe("called");
  expect(report.value.spins).toBeGreaterThan(0);
  expect(report.value.spins).toBeLessThan(10_000_000);
  // The fairness budget handed control back (through MessageChannel here).
  expect(report.yields).toBeGreaterThan(0);
}, 60_000);
