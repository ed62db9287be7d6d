import { requestJson } from "@/components/lib/http-client";
import type { ApiTokenJson } from "@/lib/auth/api-token-input";

/** The browser's calls to `/api/tokens` (session only); failures are `ApiError`s. */

export type { ApiTokenJson };

export function listTokens(): Promise<ApiTokenJson[]> {
  return requestJson<{ items: ApiTokenJson[] }>("/api/tokens").then((body) => body.items);
}

export function createToken(input: { name: string; scope: "read" | "write" }): Promise<{ token: string; apiToken: ApiTokenJson }> {
  return requestJson("/api/tokens", { method: "POST", body: JSON.stringify(input) });
}

export function revokeToken(id: string): Promise<void> {
  return requestJson<void>(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
}
