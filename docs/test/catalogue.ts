// Reads the case catalogue (docs/cases.md) and the case ids that tests use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { docsDir, filesUnder, repoDir } from "./files.js";

/** A case id: a letter for the section, two digits, and an optional sub-case (`C12.4`). */
export const CASE_ID = /\b[LECTXS][0-9]{2}(?:\.[0-9])?\b/g;

export interface Entry {
  readonly id: string;
  /** The entry says it has no test of its own. */
  readonly documentationOnly: boolean;
  readonly line: number;
}

const DOC_ONLY = "(documentation only)";

/**
 * Entries are `### <id> — <title>` headings; sub-cases are `- **<id>** …`
 * items inside an entry. A heading that ends with "(documentation only)"
 * marks a case the catalogue keeps without a test.
 */
export function catalogueEntries(): Entry[] {
  const text = readFileSync(join(docsDir, "cases.md"), "utf8");
  const entries: Entry[] = [];
  text.split("\n").forEach((line, i) => {
    const heading = /^### ([LECTXS][0-9]{2}) — (.*)$/.exec(line);
    if (heading !== null) {
      entries.push({
        id: heading[1]!,
        documentationOnly: heading[2]!.includes(DOC_ONLY),
        line: i + 1,
      });
      return;
    }
    const sub = /^- \*\*([LECTXS][0-9]{2}\.[0-9])\*\*/.exec(line);
    if (sub !== null) entries.push({ id: sub[1]!, documentationOnly: false, line: i + 1 });
  });
  return entries;
}

export interface TestFile {
  readonly path: string;
  readonly source: string;
}

/** Every `*.test.ts` of the repository except the docs' own checks. */
export function testFiles(): TestFile[] {
  return filesUnder(repoDir, ".test.ts")
    .filter((path) => !path.startsWith("docs/"))
    .map((path) => ({ path, source: readFileSync(join(repoDir, path), "utf8") }));
}

// `it("…")`, `test.each(PATHS)(\n "…"`, `describe(\`…\``: the first string
// argument of a vitest test or suite call.
const TITLE =
  /\b(?:it|test|describe)(?:\.(?:each|skip|only|concurrent)(?:\([^)]*\))?)?\(\s*(["'`])((?:\\.|(?!\1)[\s\S])*?)\1/g;

/** The titles of the tests and suites declared in `source`. */
export function testTitles(source: string): string[] {
  return [...source.matchAll(TITLE)].map((m) => m[2]!);
}

/** The case ids in `text`, each once, in order of first appearance. */
export function caseIds(text: string): string[] {
  return [...new Set(text.match(CASE_ID) ?? [])];
}
