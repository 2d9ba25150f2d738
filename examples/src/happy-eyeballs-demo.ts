// Happy Eyeballs against three local servers: one port that refuses, one
// server that greets after 1 s, one that greets after 20 ms.
//
//   node examples/dist/happy-eyeballs-demo.js
import { run } from "@copse/core";
import { closedPort, readGreeting, startGreetingServer } from "./greeting-server.js";
import { openConnection, type AttemptEvent, type Target } from "./happy-eyeballs.js";

const refusing = await closedPort();
const slow = await startGreetingServer("slow", 1_000);
const fast = await startGreetingServer("fast", 20);
const targets: Target[] = [
  { host: "127.0.0.1", port: refusing },
  { host: "127.0.0.1", port: slow.port },
  { host: "127.0.0.1", port: fast.port },
];
const names = [
  `port ${refusing} (refuses)`,
  "slow (greets after 1000 ms)",
  "fast (greets after 20 ms)",
];

const started = performance.now();
const log = (event: AttemptEvent): void => {
  const at = `${Math.round(performance.now() - started)} ms`.padStart(7);
  const what =
    event.kind === "start"
      ? `starts (${event.because})`
      : event.kind === "failed"
        ? `failed: ${(event.error as Error).message}`
        : event.kind;
  console.log(`${at}  attempt ${event.attempt} → ${names[event.attempt]}: ${what}`);
};

try {
  const connection = await run(() =>
    openConnection(targets, { delay: 250, ready: readGreeting, onEvent: log }),
  );
  const greeting = String(connection.socket.read()).trim();
  console.log(`\nconnected to ${names[connection.attempt]}: "${greeting}"`);
  connection.socket.destroy();
  await slow.allClosed(); // the losing attempt's socket was closed
  console.log(`the slow server saw its connection closed: ${slow.open} open of ${slow.accepted}`);
} finally {
  await Promise.all([slow.close(), fast.close()]);
}
