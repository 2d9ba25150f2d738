// Two copies of @copse/core in one program (a dual install) never silently
// disagree about which task is current: they say clearly that they cannot
// share tasks.
import * as copyA from "@copse/core";
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const copyDir = fileURLToPath(new URL("./.doc-blocks/core-copy", import.meta.url));
cpSync(fileURLToPath(new URL("../src", import.meta.url)), copyDir, { recursive: true });
const copyB = (await import(
  /* @vite-ignore */ pathToFileURL(`${copyDir}/index.ts`).href
)) as typeof copyA;
afterAll(() => rmSync(copyDir, { recursive: true, force: true }));

describe("dual install", () => {
  it("the two copies are distinct module instances", () => {
    expect(copyB.run).not.toBe(copyA.run);
  });

  it("currentTask() of one copy, inside a task of the other, says so", () => {
    let message = "";
    copyA.run(function* () {
      try {
        copyB.currentTask();
      } catch (e) {
        message = (e as Error).message;
      }
    });
    expect(message).toBe(
      "currentTask() was called while a task of another copy of @copse/core (0.1.0) is running; two copies cannot share the current task: dedupe @copse/core so that one copy is installed",
    );
  });

  it("an operation of one copy yielded in a task of the other fails with a clear error", () => {
    const task = copyA.run(function* () {
      try {
        yield* copyB.sleep(1);
        return "unreached";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(task.outcome).toEqual({
      status: "ok",
      value:
        "a task yielded an operation of another copy of @copse/core; two copies of the package cannot drive each other's tasks: dedupe @copse/core so that one copy is installed",
    });
  });

  it("each copy works on its own, also nested in the other", async () => {
    const inner = await copyA.run(function* () {
      const b = copyB.run(function* () {
        return copyB.currentTask().name;
      });
      return [copyA.currentTask().name, b.outcome];
    });
    expect(inner).toEqual(["main", { status: "ok", value: "main" }]);
  });
});
