// One HTTP GET as the crawl sees it: a function from URL, attempt number
// and AbortSignal to a status and a body, so that tests can swap the
// network for a fake one.
import { ATTEMPT_HEADER } from "./server.js";

/** The part of a response the crawl uses. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A GET of `url`; `attempt` counts from 1; aborting `signal` must abort the request. */
export type HttpGet = (url: string, attempt: number, signal: AbortSignal) => Promise<HttpAnswer>;

/** The request never got an answer: refused, reset, or cut off. */
export class NetworkError extends Error {
  constructor(url: string, cause: unknown) {
    const detail = (cause as { cause?: { code?: unknown } })?.cause?.code;
    super(`GET ${url} failed${typeof detail === "string" ? ` (${detail})` : ""}`, { cause });
    this.name = "NetworkError";
  }
}

/**
 * {@link HttpGet} with Node's global `fetch` (undici). Reads the whole body
 * under the same signal, so a timeout also stops a body that trickles in.
 * A failure of the network becomes a {@link NetworkError}; an abort rejects
 * with the signal's reason.
 */
export const fetchGet: HttpGet = async (url, attempt, signal) => {
  try {
    const response = await fetch(url, { signal, headers: { [ATTEMPT_HEADER]: String(attempt) } });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new NetworkError(url, error);
  }
};
