import http from "node:http";
import https from "node:https";
import net from "node:net";
import { WebhookAddressError, hostOf, lookupAll, parseWebhookUrl, resolveAllowedAddresses, type LookupAll } from "./address";

/** Only this much of a receiver's answer is kept (the delivery log's excerpt). */
export const RESPONSE_EXCERPT_BYTES = 1024;

export type SendOutcome =
  | { kind: "response"; status: number; excerpt: string; retryAfterMs: number | null }
  | { kind: "timeout"; error: string }
  | { kind: "network"; error: string }
  | { kind: "blocked"; error: string };

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  lookup?: LookupAll;
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * POSTs one signed webhook. Node's own http client, because its `lookup` hook sees the address the socket
 * will connect to: the private-address check runs there, on every connection, so a name that resolved to a
 * public address when the endpoint was saved cannot be rebound to an internal one later. Redirects are never
 * followed (a 3xx is the answer), the whole attempt is bounded by `timeoutMs`, and only the first KB of
 * the body is read.
 */
export async function sendWebhook(options: SendOptions): Promise<SendOutcome> {
  let url: URL;
  try {
    url = parseWebhookUrl(options.url);
    // An IP literal is connected to without a lookup: check it here.
    if (net.isIP(hostOf(url))) await resolveAllowedAddresses(url, { allowPrivate: options.allowPrivate });
  } catch (error) {
    return { kind: "blocked", error: error instanceof Error ? error.message : String(error) };
  }
  const resolve = options.lookup ?? lookupAll;
  const checkedLookup: net.LookupFunction = (hostname, lookupOptions, callback) => {
    resolveAllowedAddresses(new URL(`http://${net.isIPv6(hostname) ? `[${hostname}]` : hostname}`), { allowPrivate: options.allowPrivate, lookup: resolve }).then(
      (addresses) => {
        if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 0),
    );
  };

  return new Promise<SendOutcome>((settle) => {
    let done = false;
    const finish = (outcome: SendOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      settle(outcome);
    };
    const transport = url.protocol === "https:" ? https : http;
    const request = transport.request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Scryon-Webhooks/1.0",
          "content-length": Buffer.byteLength(options.body),
          ...options.headers,
        },
        lookup: checkedLookup,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const answer = () =>
          finish({
            kind: "response",
            status: response.statusCode ?? 0,
            excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8").replace(/\uFFFD+$/, ""),
            retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
          });
        response.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // Enough for the excerpt: the rest is never read.
          if (size >= RESPONSE_EXCERPT_BYTES) answer();
        });
        response.on("end", answer);
        response.on("error", answer);
      },
    );
    const timer = setTimeout(() => finish({ kind: "timeout", error: `No answer within ${Math.round(options.timeoutMs / 100) / 10} s.` }), options.timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error instanceof WebhookAddressError) finish({ kind: "blocked", error: error.message });
      else finish({ kind: "network", error: describeNetworkError(error) });
    });
    request.end(options.body);
  });
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "The connection was refused.";
    case "ECONNRESET":
      return "The connection was reset.";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "The host could not be resolved.";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "The host is unreachable.";
    default:
      if (error.code?.startsWith("ERR_TLS") || /certificate|SSL|TLS/i.test(error.message)) return `TLS failed: ${error.message.slice(0, 200)}`;
      return `${error.code ?? "Error"}: ${error.message.slice(0, 200)}`;
  }
}
