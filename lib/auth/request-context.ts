import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The API request being handled, for `requireUser()` (lib/auth/session.ts), which route handlers call without
 * arguments: it reads the `Authorization` header and the method (which decides the scope a token needs) from
 * here. `apiRoute` (lib/http/api.ts) runs every handler inside it. Kept on globalThis so that every bundle
 * Next makes shares one store.
 */
const holder = globalThis as unknown as { __scryonApiRequest?: AsyncLocalStorage<Request> };
const store = (holder.__scryonApiRequest ??= new AsyncLocalStorage<Request>());

export function runWithApiRequest<T>(request: Request, run: () => T): T {
  return store.run(request, run);
}

/** The request `apiRoute` is handling, or undefined outside one (pages, server actions, scripts). */
export function currentApiRequest(): Request | undefined {
  return store.getStore();
}
