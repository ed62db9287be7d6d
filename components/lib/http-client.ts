/**
 * The browser's calls to Scryon's JSON API. Failures are `ApiError`s built from the API's
 * `{ error: { code, message, details } }` bodies; a network failure is status 0, code "NETWORK".
 */

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Fetches `url` uncached and answers its JSON body (undefined for a 204); a body to send is JSON. */
export async function requestJson<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      cache: "no-store",
      headers: { Accept: "application/json", ...(init?.body ? { "Content-Type": "application/json" } : {}), ...init?.headers },
    });
  } catch {
    throw new ApiError(0, "NETWORK", "Could not reach Scryon. Check your connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "HTTP_ERROR",
      error?.message ?? `The server answered ${response.status}.`,
      Array.isArray(error?.details) ? (error.details as FieldIssue[]) : undefined,
    );
  }
  return body as T;
}
