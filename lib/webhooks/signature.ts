import { createHash, createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing (spec 1.0.0, symmetric): the secret is `whsec_` + base64 of random bytes (at
 * least 24; we use 32), the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, and the
 * `webhook-signature` header is `v1,` + base64(HMAC-SHA256(base64-decoded secret, content)).
 */

export const SECRET_PREFIX = "whsec_";

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("A webhook secret starts with whsec_");
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  if (key.length < 24) throw new Error("A webhook secret has at least 24 bytes");
  return key;
}

/** The `webhook-signature` value for one attempt. */
export function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secretKey(secret)).update(`${msgId}.${timestampSeconds}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/** The headers of one attempt: the id stays the same across retries, the timestamp is the attempt's. */
export function webhookHeaders(secret: string, msgId: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(secret, msgId, timestamp, body),
  };
}

/**
 * A message id derived from what the event is (e.g. `call.completed:<run event id>`), so emitting the same
 * event twice gives the same id and the second is dropped. No `.` (the spec forbids it in ids).
 */
export function messageIdFor(key: string): string {
  return `msg_${createHash("sha256").update(key).digest("base64url").slice(0, 27)}`;
}

/** The secret with all but its start hidden, for lists. */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, SECRET_PREFIX.length + 4)}…`;
}
