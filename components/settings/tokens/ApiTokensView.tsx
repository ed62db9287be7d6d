"use client";

import { useRef, useState } from "react";
import { AbsoluteTime, RelativeTime } from "@/components/calls/RelativeTime";
import { ApiError } from "@/components/lib/http-client";
import { Announcement } from "@/components/ui/alerts";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { revokeToken, type ApiTokenJson } from "./api";
import { CreateTokenForm } from "./CreateTokenForm";
import { NewTokenNotice } from "./NewTokenNotice";

const SCOPE_LABEL = { read: "Read only", write: "Read and write" } as const;

/** Settings → API tokens: create (the secret shown once), the list with scope and last use, revoke. */
export function ApiTokensView({ initial }: { initial: ApiTokenJson[] }) {
  const [tokens, setTokens] = useState(initial);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenJson | null>(null);
  const [pending, setPending] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const listRef = useRef<HTMLHeadingElement>(null);
  const triggers = useRef(new Map<string, HTMLButtonElement>());

  function onCreated(result: { token: string; apiToken: ApiTokenJson }) {
    setTokens((current) => [result.apiToken, ...current]);
    setCreated({ token: result.token, name: result.apiToken.name });
  }

  function cancelRevoke() {
    const id = revoking?.id;
    setRevoking(null);
    setRevokeError(null);
    if (id) triggers.current.get(id)?.focus();
  }

  async function confirmRevoke() {
    if (!revoking) return;
    setPending(true);
    setRevokeError(null);
    try {
      await revokeToken(revoking.id);
    } catch (caught) {
      // Already revoked (another tab): what the user asked for.
      if (!(caught instanceof ApiError && caught.status === 404)) {
        setRevokeError(caught instanceof ApiError ? caught.message : "The token could not be revoked. Try again.");
        setPending(false);
        return;
      }
    }
    setTokens((current) => current.filter((token) => token.id !== revoking.id));
    setAnnouncement(`Token “${revoking.name}” revoked.`);
    setRevoking(null);
    setPending(false);
    listRef.current?.focus();
  }

  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">API tokens</h2>
        <p className="mt-1 text-sm text-slate-600">
          Personal tokens let scripts and other systems use the{" "}
          <a href="/api/openapi.json" className="font-medium text-brand-700 underline hover:text-brand-600">
            Scryon API
          </a>{" "}
          as you. Treat them like passwords; revoke one as soon as it is not needed or may have leaked.
        </p>
      </div>

      {created ? <NewTokenNotice name={created.name} token={created.token} onDone={() => setCreated(null)} /> : <CreateTokenForm onCreated={onCreated} />}

      <section aria-labelledby="token-list-heading">
        <h3 id="token-list-heading" ref={listRef} tabIndex={-1} className="text-base font-semibold focus:outline-none">
          Your tokens
        </h3>
        {tokens.length === 0 ? (
          <div className="mt-3 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="no-tokens">
            <p className="font-medium text-slate-900">No API tokens yet</p>
            <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">
              Create one above, then send it with each request as{" "}
              <code className="whitespace-nowrap rounded bg-slate-100 px-1 font-mono text-xs">Authorization: Bearer scy_…</code>
            </p>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white" data-testid="token-list">
            {tokens.map((token) => (
              <li key={token.id} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-testid="token-row">
                <div className="min-w-0">
                  <p className="flex flex-wrap items-center gap-2">
                    <span className="break-words font-medium text-slate-900">{token.name}</span>
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${token.scope === "write" ? "bg-amber-100 text-amber-900" : "bg-slate-100 text-slate-700"}`}>
                      {SCOPE_LABEL[token.scope]}
                    </span>
                  </p>
                  <p className="mt-1 font-mono text-xs text-slate-500">
                    {token.prefix}…{token.lastFour}
                  </p>
                  <p className="mt-1 text-sm text-slate-600">
                    Created <AbsoluteTime iso={token.createdAt} /> · {token.lastUsedAt ? <>Last used <RelativeTime iso={token.lastUsedAt} /></> : "Never used"}
                  </p>
                </div>
                <button
                  type="button"
                  ref={(element) => {
                    if (element) triggers.current.set(token.id, element);
                    else triggers.current.delete(token.id);
                  }}
                  onClick={() => {
                    setRevokeError(null);
                    setRevoking(token);
                  }}
                  aria-label={`Revoke ${token.name}`}
                  className="self-start rounded-lg border border-red-200 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 sm:self-center"
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      {revoking ? (
        <ConfirmDialog
          heading={`Revoke “${revoking.name}”?`}
          description="Anything using this token stops working at once. This cannot be undone; you can create a new token."
          confirmLabel="Revoke token"
          pendingLabel="Revoking…"
          pending={pending}
          error={revokeError}
          onCancel={cancelRevoke}
          onConfirm={confirmRevoke}
        />
      ) : null}
      <Announcement message={announcement} />
    </div>
  );
}
