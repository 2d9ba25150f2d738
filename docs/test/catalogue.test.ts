// The case catalogue and the tests agree: every case id a test names has an
// entry in docs/cases.md, and every entry either has a test that names it
// or says it is kept as documentation only.
import { describe, expect, it } from "vitest";
import { catalogueEntries, caseIds, testFiles, testTitles } from "./catalogue.js";

const entries = catalogueEntries();
const files = testFiles();
const byId = new Map(entries.map((e) => [e.id, e]));

/** id -> the test files whose test titles name it. */
const named = new Map<string, Set<string>>();
for (const file of files) {
  for (const title of testTitles(file.source)) {
    for (const id of caseIds(title)) {
      // A sub-case title also tests its parent case (C12.4 is part of C12).
      for (const each of [id, id.replace(/\.[0-9]$/, "")]) {
        named.set(each, (named.get(each) ?? new Set()).add(file.path));
      }
    }
  }
}

describe("the case catalogue (docs/cases.md)", () => {
  it("reads entries and test titles", () => {
    expect(entries.length).toBeGreaterThan(80);
    expect(named.size).toBeGreaterThan(80);
  });

  it("has each id once", () => {
    const seen = new Map<string, number>();
    const twice: string[] = [];
    for (const e of entries) {
      if (seen.has(e.id)) twice.push(`${e.id} (lines ${seen.get(e.id)} and ${e.line})`);
      seen.set(e.id, e.line);
    }
    expect(twice).toEqual([]);
  });

  it("has an entry for every case id in a test title", () => {
    const missing = [...named]
      .filter(([id]) => !byId.has(id))
      .map(([id, where]) => `${id} (named in ${[...where].join(", ")})`);
    expect(missing, "add these cases to docs/cases.md").toEqual([]);
  });

  it("has an entry for every case id a test file mentions, in comments too", () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const id of caseIds(file.source)) {
        if (!byId.has(id)) missing.push(`${id} (in ${file.path})`);
      }
    }
    expect(missing, "add these cases to docs/cases.md or fix the reference").toEqual([]);
  });

  it("marks exactly the entries that no test names as documentation only", () => {
    const untested = entries.filter((e) => !named.has(e.id));
    const unmarked = untested.filter((e) => !e.documentationOnly).map((e) => e.id);
    const stale = entries.filter((e) => e.documentationOnly && named.has(e.id)).map((e) => e.id);
    console.info(
      `cases kept as documentation only (no test names them): ${untested.map((e) => e.id).join(", ") || "none"}`,
    );
    expect(
      unmarked,
      "these entries have no test: write one, or mark them (documentation only)",
    ).toEqual([]);
    expect(stale, "these entries are tested now: drop their (documentation only) mark").toEqual([]);
  });
});
