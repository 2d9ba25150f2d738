#!/usr/bin/env node
// Runs the property tests with a chosen number of runs and seed:
//   pnpm test:props --runs 100000 [--seed 42|random] [vitest filters...]
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const env = { ...process.env };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--runs" || a === "--seed") {
    const v = args[++i];
    if (v === undefined) {
      console.error(`${a} needs a value`);
      process.exit(2);
    }
    env[a === "--runs" ? "FC_RUNS" : "FC_SEED"] = v;
  } else rest.push(a);
}
const filters = rest.length > 0 ? rest : ["property"];
const r = spawnSync("vitest", ["run", ...filters], { stdio: "inherit", env, shell: false });
process.exit(r.status ?? 1);
