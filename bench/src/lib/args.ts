/** A tiny `--name value` / `--flag` parser for the bench scripts. */
export interface Args {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], valued: readonly string[]): Args {
  const args: Args = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      args.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!valued.includes(name)) {
      if (eq >= 0) throw new Error(`--${name} takes no value`);
      args.flags.add(name);
    } else if (eq >= 0) {
      args.options.set(name, arg.slice(eq + 1));
    } else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      args.options.set(name, value);
    }
  }
  return args;
}

export function numberOption(args: Args, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${raw}`);
  return value;
}
