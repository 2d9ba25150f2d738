// The crawl's command line: `pnpm demo` runs this (see examples/README.md).
//
//   node examples/dist/crawl/main.js --count 2000 --limit 32
import { UsageError, helpText, parseCommand } from "./options.js";
import { runCrawl } from "./program.js";
import { formatSummary, summaryData, type Ending } from "./summary.js";

const EXIT_CODES: Record<Ending, number> = { finished: 0, deadline: 1, interrupted: 130 };

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`crawl: ${error.message}\nRun with --help to see every option.\n`);
    return 2;
  }
  if (command.kind === "help") {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  // Ctrl-C cancels the run; a second Ctrl-C leaves at once.
  const controller = new AbortController();
  const onInterrupt = (): void => {
    controller.abort(new Error("interrupted (Ctrl-C)"));
    process.once("SIGINT", () => process.exit(EXIT_CODES.interrupted));
  };
  process.once("SIGINT", onInterrupt);
  try {
    const report = await runCrawl(command.options, {
      signal: controller.signal,
      progress: process.stderr,
    });
    process.stdout.write(
      command.options.json
        ? `${JSON.stringify(summaryData(report))}\n`
        : `\n${formatSummary(report)}\n`,
    );
    return EXIT_CODES[report.ending];
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

process.exitCode = await main(process.argv.slice(2));
