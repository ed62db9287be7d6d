import { ApiError, requestJson as request, type FieldIssue } from "@/components/lib/http-client";
import type { CallJson } from "@/lib/calls/serialize";

/** Client-side calls to the call API, with its `{ error: { code, message, details } }` bodies as typed errors. */

export { ApiError, type FieldIssue };

export interface CallPageJson {
  items: CallJson[];
  nextCursor: string | null;
}

export function fetchCallPage(params: URLSearchParams): Promise<CallPageJson> {
  return request<CallPageJson>(`/api/calls?${params.toString()}`);
}

export async function fetchCall(id: string): Promise<CallJson> {
  return (await request<{ call: CallJson }>(`/api/calls/${encodeURIComponent(id)}`)).call;
}

export async function patchCall(id: string, patch: Record<string, unknown>): Promise<CallJson> {
  return (await request<{ call: CallJson }>(`/api/calls/${encodeURIComponent(id)}`, { method: "PATCH", body: JSON.stringify(patch) })).call;
}

export function deleteCall(id: string): Promise<void> {
  return request<void>(`/api/calls/${encodeURIComponent(id)}`, { method: "DELETE" });
}
