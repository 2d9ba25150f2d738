import { it } from "vitest";

it("probe plain yield* depth", () => {
  function* g(i: number): Generator<number, void, unknown> {
    if (i === 0) { yield 1; return; }
    yield* g(i - 1);
  }
  for (const N of [1000, 3000, 5000, 8000, 10000, 12000, 15000, 20000, 30000]) {
    try { const it = g(N); it.next(); it.next(); console.log(N, "ok"); } catch (e) { console.log(N, (e as Error).message); }
  }
  function* h(i: number): Generator<number, void, unknown> {
    if (i === 0) { yield 1; return; }
    yield* { [Symbol.iterator]: () => h(i - 1) };
  }
  for (const N of [3000, 5000, 10000]) {
    try { const it = h(N); it.next(); it.next(); console.log("h", N, "ok"); } catch (e) { console.log("h", N, (e as Error).message); }
  }
});
