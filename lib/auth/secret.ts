import "server-only";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { AppEnv } from "@/lib/env";

/**
 * The Auth.js signing secret: AUTH_SECRET when set (required in production), otherwise one generated
 * once and kept in the data dir, so embedded installs work with no config and sessions survive restarts.
 */
export function resolveAuthSecret(env: AppEnv): string {
  if (env.authSecret) return env.authSecret;
  const file = path.join(env.dataDir, "auth-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(env.dataDir, { recursive: true });
    const secret = randomBytes(33).toString("base64");
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      // Another worker wrote it first.
      return fs.readFileSync(file, "utf8").trim();
    }
  }
}
