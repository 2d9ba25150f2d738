// Local TCP servers for the Happy Eyeballs example and its tests: each
// greets a new connection after a chosen delay, and counts its connections.
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { call, type Operation } from "@copse/core";

/** A running greeting server on 127.0.0.1. */
export interface GreetingServer {
  readonly name: string;
  readonly port: number;
  /** Connections accepted in all. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
  /** Resolves once no connection is open (at once if none is). */
  allClosed(): Promise<void>;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** Starts a server that writes `hello from <name>\n` to each connection `delayMs` ms after accepting it. */
export function startGreetingServer(name: string, delayMs: number): Promise<GreetingServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let waiters: (() => void)[] = [];
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    const timer = setTimeout(() => socket.write(`hello from ${name}\n`), delayMs);
    socket.on("error", () => {}); // a client that resets is not the server's problem
    socket.once("close", () => {
      clearTimeout(timer);
      sockets.delete(socket);
      if (sockets.size === 0) {
        for (const wake of waiters) wake();
        waiters = [];
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        name,
        port: (server.address() as AddressInfo).port,
        get accepted() {
          return accepted;
        },
        get open() {
          return sockets.size;
        },
        allClosed: () =>
          sockets.size === 0 ? Promise.resolve() : new Promise((wake) => waiters.push(wake)),
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A port on 127.0.0.1 where nothing listens (it was just bound and released): connecting is refused. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the server's greeting has arrived on `socket`, without
 * reading it (it stays buffered for the caller). Fails if the socket ends
 * or errors first; cancelled, it stops waiting at once.
 */
export function readGreeting(socket: Socket): Operation<void> {
  return call(
    (signal) =>
      new Promise<void>((resolve, reject) => {
        const settle = (error?: unknown): void => {
          socket.off("readable", onReadable);
          socket.off("end", onEnd);
          socket.off("error", settle);
          signal.removeEventListener("abort", onAbort);
          if (error === undefined) resolve();
          else reject(error);
        };
        const closed = (): Error =>
          new Error("the server closed the connection before its greeting");
        // "readable" also fires at the end of the stream, with nothing to read.
        const onReadable = (): void => settle(socket.readableLength > 0 ? undefined : closed());
        const onEnd = (): void => settle(closed());
        const onAbort = (): void => settle(signal.reason);
        socket.once("readable", onReadable);
        socket.once("end", onEnd);
        socket.once("error", settle);
        signal.addEventListener("abort", onAbort);
      }),
  );
}
