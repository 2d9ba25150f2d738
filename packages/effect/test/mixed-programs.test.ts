// Properties over generated programs that mix copse and Effect (see
// mixed-programs.ts): cancellation from either side, timeouts on either
// side, failures and waiting finalizers in both worlds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { brokenLaws, Interpreter, programs, type Program } from "./mixed-programs.js";
import { delay } from "./helpers.js";

async function check(program: Program): Promise<string[]> {
  const interpreter = new Interpreter();
  const end = await interpreter.run(program);
  const eventsAtEnd = interpreter.events.length;
  // Anything still running would log within a few ms (every wait is ≤ 6 ms).
  await delay(15);
  return brokenLaws(program, end, interpreter.events, eventsAtEnd, interpreter.raised);
}

describe("mixed copse/Effect programs", () => {
  it("every finalizer runs once, LIFO per node, inner before outer across bridges; nothing outlives the root; no failure lost or invented", async () => {
    await fc.assert(
      fc.asyncProperty(programs, async (program) => {
        expect(await check(program)).toEqual([]);
      }),
    );
  });
});
