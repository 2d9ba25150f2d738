// The HTTP server the crawl fetches from: started on 127.0.0.1 on a port the
// system picks, it answers each request as the plan says (fast, slow, 503,
// 404, or never) and counts what happened to its connections.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { pageOf, replyFor } from "./plan.js";

/** What the server counted. */
export interface ServerStats {
  /** Requests received. */
  requests: number;
  /** Requests answered (any status). */
  answered: number;
  /** Requests whose client went away before the answer (aborted by the crawl). */
  abandoned: number;
  /** Connections accepted in all. */
  connections: number;
}

/** What closing the server found. */
export interface CloseReport {
  /** Connections still carrying a request when the grace period ended, closed by force. */
  readonly cut: number;
}

/** A running server. */
export interface EmbeddedServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly stats: Readonly<ServerStats>;
  /** Connections open right now. */
  readonly openConnections: number;
  /**
   * Stops accepting, closes idle keep-alive connections at once, waits up
   * to `graceMs` for connections that still carry a request, then closes
   * those by force and says how many there were.
   */
  close(graceMs: number): Promise<CloseReport>;
}

/** The header through which the crawl tells the server which attempt a request is. */
export const ATTEMPT_HEADER = "x-attempt";

const FILLER = "lorem ipsum dolor sit amet ".repeat(20);

function attemptOf(req: IncomingMessage): number {
  const n = Number(req.headers[ATTEMPT_HEADER] ?? "1");
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** Starts the server; it follows the plan of `seed`. */
export function startServer(seed: number): Promise<EmbeddedServer> {
  const stats: ServerStats = { requests: 0, answered: 0, abandoned: 0, connections: 0 };
  /** Requests in progress per open connection. */
  const busy = new Map<Socket, number>();
  /** Requests received and not yet answered or abandoned. */
  let open = 0;
  let closing = false;
  let onSettled: (() => void) | null = null;

  const answer = (res: ServerResponse, status: number, body: string): void => {
    stats.answered++;
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
  };

  const server = createServer((req, res) => {
    stats.requests++;
    open++;
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    res.once("close", () => {
      clearTimeout(timer);
      if (!res.writableFinished) stats.abandoned++;
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (closing && left === 0) socket.destroy();
      open--;
      onSettled?.();
    });
    const page = pageOf(new URL(req.url ?? "/", "http://x").pathname);
    if (page === undefined) {
      answer(res, 404, "no such page\n");
      return;
    }
    const reply = replyFor(seed, page, attemptOf(req));
    switch (reply.kind) {
      case "missing":
        answer(res, 404, `page ${page} does not exist\n`);
        return;
      case "hang":
        return; // never answers; the client's timeout ends it
      case "unavailable":
        timer = setTimeout(() => answer(res, 503, "try again later\n"), reply.delay);
        return;
      default:
        timer = setTimeout(() => answer(res, 200, `page ${page}\n${FILLER}\n`), reply.delay);
    }
  });
  server.on("connection", (socket) => {
    stats.connections++;
    busy.set(socket, 0);
    socket.once("close", () => busy.delete(socket));
  });

  const close = (graceMs: number): Promise<CloseReport> =>
    new Promise((resolve) => {
      closing = true;
      let cut = 0;
      const grace = setTimeout(() => {
        for (const [socket, requests] of busy) {
          if (requests > 0) cut++;
          socket.destroy();
        }
      }, graceMs);
      // Done when every connection has closed and every request has been
      // counted (a response's "close" can come after its socket's).
      let serverClosed = false;
      onSettled = () => {
        if (!serverClosed || open > 0) return;
        onSettled = null;
        clearTimeout(grace);
        resolve({ cut });
      };
      server.close(() => {
        serverClosed = true;
        onSettled?.();
      });
      // Idle keep-alive connections, including ones the client opened but
      // never used (server.close() would wait for those to time out).
      for (const [socket, requests] of busy) if (requests === 0) socket.destroy();
    });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        stats,
        get openConnections() {
          return busy.size;
        },
        close,
      });
    });
  });
}
