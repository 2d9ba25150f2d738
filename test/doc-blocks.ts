// Runs the code examples of a package's docs as tests, so docs cannot rot.
//
// Every ```ts block of the given Markdown files, and every ```ts block
// inside a /** ... */ comment of the given source files, is written to
// `<package>/test/.doc-blocks/` as a module and imported. A block is a
// complete ES module: it imports what it uses (by package name) and throws
// (e.g. with node:assert) when what it shows does not hold; top-level await
// is fine. A block whose opening fence is ```ts fragment is shown only and
// not run; use that for signatures and snippets that cannot stand alone.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";

export interface DocBlock {
  /** `file:line` of the opening fence. */
  readonly where: string;
  readonly code: string;
}

const FENCE = /^```(\w+)?([^\n]*)$/;

function blocksOf(text: string, file: string, inComment: boolean): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = text.split("\n");
  let open: { line: number; lang: string; run: boolean; body: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (inComment) {
      const m = /^\s*\*( ?)(.*)$/.exec(line);
      if (m === null) {
        open = null;
        continue;
      }
      line = m[2]!;
    }
    const fence = FENCE.exec(line.trim());
    if (open === null) {
      if (fence !== null && fence[1] !== undefined) {
        open = {
          line: i + 1,
          lang: fence[1],
          run: !/\bfragment\b/.test(fence[2] ?? ""),
          body: [],
        };
      }
    } else if (fence !== null && fence[1] === undefined && line.trim() === "```") {
      if ((open.lang === "ts" || open.lang === "typescript") && open.run) {
        blocks.push({ where: `${file}:${open.line}`, code: open.body.join("\n") + "\n" });
      }
      open = null;
    } else {
      open.body.push(line);
    }
  }
  return blocks;
}

/** The runnable blocks of Markdown files and of the doc comments of source files. */
export function docBlocks(packageDir: string, files: readonly string[]): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of files) {
    const text = readFileSync(join(packageDir, file), "utf8");
    blocks.push(...blocksOf(text, file, !file.endsWith(".md")));
  }
  return blocks;
}

/** Writes a block as a module under the package and imports it (vite transforms the TypeScript). */
export async function runDocBlock(
  packageDir: string,
  block: DocBlock,
  index: number,
): Promise<void> {
  const dir = join(packageDir, "test", ".doc-blocks");
  mkdirSync(dir, { recursive: true });
  const name = `${basename(block.where.split(":")[0]!).replace(/\W/g, "_")}_${index}.ts`;
  const file = join(dir, name);
  writeFileSync(file, `// generated from ${block.where}\n${block.code}`);
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } catch (error) {
    throw new Error(
      `doc example at ${relative(dirname(packageDir), join(packageDir, block.where))} failed`,
      {
        cause: error,
      },
    );
  } finally {
    rmSync(file, { force: true });
  }
}
