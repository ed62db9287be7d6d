import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { InngestFunction } from "inngest";
import type { Database } from "@/db";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import type { WebhookEmitter } from "@/lib/webhooks/emit";

/** One request as the receiver got it: raw body, lower-cased headers. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | "hang";

/**
 * A local HTTP receiver. Each request takes the next planned reply (200 "ok" when none is left); "hang"
 * never answers (the sender's timeout has to end it).
 */
export async function startReceiver() {
  const requests: Received[] = [];
  const plan: Reply[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers)) if (typeof value === "string") headers[key] = value;
      requests.push({ method: request.method ?? "", path: request.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") });
      const reply = plan.shift() ?? { status: 200, body: "ok" };
      if (reply === "hang") return;
      response.writeHead(reply.status, reply.headers ?? { "content-type": "text/plain" });
      response.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    plan: (...replies: Reply[]) => void plan.push(...replies),
    reset: () => {
      requests.length = 0;
      plan.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * The Standard Webhooks verification, written here from the specification (not from the app's code):
 * base64-decode the secret after `whsec_`, HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`,
 * base64, compared in constant time with each `v1,` entry of the space-delimited `webhook-signature`;
 * the timestamp must be within 5 minutes.
 */
export function verifyBySpec(secret: string, received: Pick<Received, "headers" | "body">, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = received.headers["webhook-id"];
  const timestamp = received.headers["webhook-timestamp"];
  const signatures = received.headers["webhook-signature"];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 5 * 60) return false;
  if (!secret.startsWith("whsec_")) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${received.body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** An embedded engine on the test database running the given functions, and an emitter that sends to it. */
export async function startEngine(db: Database, makeFunctions: (client: ReturnType<typeof createEmbeddedClient>) => InngestFunction.Any[]) {
  const client = createEmbeddedClient({ id: `scryon-webhooks-${randomUUID().slice(0, 8)}` });
  const engine: EmbeddedEngine = createEmbeddedEngine({ db, client, functions: makeFunctions(client), backoff: () => 0, pollIntervalMs: 50 });
  await engine.start();
  const emitter: WebhookEmitter = { send: (events) => client.send(events), publicUrl: () => "https://scryon.example" };
  return { client, engine, emitter, idle: () => engine.waitForIdle({ timeoutMs: 60_000 }) };
}
