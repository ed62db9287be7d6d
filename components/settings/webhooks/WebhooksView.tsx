"use client";

import { useEffect, useRef, useState } from "react";
import { AbsoluteTime } from "@/components/calls/RelativeTime";
import { ApiError } from "@/components/lib/http-client";
import { ActionAlert, Announcement } from "@/components/ui/alerts";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { createEndpoint, deleteEndpoint, updateEndpoint, type EndpointInput, type EndpointJson } from "./api";
import { DeliveryLog } from "./DeliveryLog";
import { EndpointForm } from "./EndpointForm";
import { SecretField } from "./SecretField";

const BUTTON = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500";
const PRIMARY = "rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600";

/** Settings → Webhooks: endpoints (add, edit, on/off, delete), their signing secrets and delivery logs. */
export function WebhooksView({ initial }: { initial: EndpointJson[] }) {
  const [endpoints, setEndpoints] = useState(initial);
  const [mode, setMode] = useState<{ kind: "add" } | { kind: "edit"; id: string } | null>(null);
  const [logOpen, setLogOpen] = useState<Set<string>>(new Set());
  const [deleting, setDeleting] = useState<EndpointJson | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const headingRef = useRef<HTMLHeadingElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const editButtons = useRef(new Map<string, HTMLButtonElement>());
  /** Where focus goes once a form has closed and the button that opened it is rendered again. */
  const focusAfterClose = useRef<string | null>(null);
  useEffect(() => {
    if (mode !== null || !focusAfterClose.current) return;
    const key = focusAfterClose.current;
    const target = key === "add" ? addRef.current : key === "list" ? headingRef.current : editButtons.current.get(key);
    focusAfterClose.current = null;
    target?.focus();
  }, [mode]);
  const closeEdit = (id: string) => {
    focusAfterClose.current = id;
    setMode(null);
  };

  const replace = (endpoint: EndpointJson) => setEndpoints((current) => current.map((entry) => (entry.id === endpoint.id ? endpoint : entry)));

  async function add(input: EndpointInput) {
    const endpoint = await createEndpoint(input);
    setEndpoints((current) => [...current, endpoint]);
    focusAfterClose.current = "list";
    setMode(null);
    setAnnouncement(`Endpoint ${endpoint.url} added. Copy its signing secret to your receiver.`);
  }

  async function edit(id: string, input: EndpointInput) {
    replace(await updateEndpoint(id, input));
    closeEdit(id);
    setAnnouncement("Endpoint saved.");
  }

  async function setActive(endpoint: EndpointJson, active: boolean) {
    setError(null);
    try {
      replace(await updateEndpoint(endpoint.id, { active }));
      setAnnouncement(active ? `${endpoint.url} turned on.` : `${endpoint.url} turned off.`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The endpoint could not be changed. Try again.");
    }
  }

  async function confirmDelete() {
    if (!deleting) return;
    setPending(true);
    setDeleteError(null);
    try {
      await deleteEndpoint(deleting.id);
    } catch (caught) {
      if (!(caught instanceof ApiError && caught.status === 404)) {
        setDeleteError(caught instanceof ApiError ? caught.message : "The endpoint could not be deleted. Try again.");
        setPending(false);
        return;
      }
    }
    setEndpoints((current) => current.filter((entry) => entry.id !== deleting.id));
    setAnnouncement(`Endpoint ${deleting.url} deleted.`);
    setDeleting(null);
    setPending(false);
    headingRef.current?.focus();
  }

  const label = (endpoint: EndpointJson) => endpoint.description ?? endpoint.url;

  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Webhooks</h2>
        <p className="mt-1 text-sm text-slate-600">
          Scryon POSTs a JSON event to your endpoints when a call is processed or fails, and when an action item is added, edited or done. Each request is signed the{" "}
          <a href="https://www.standardwebhooks.com/" className="font-medium text-brand-700 underline hover:text-brand-600" rel="noreferrer" target="_blank">
            Standard Webhooks
          </a>{" "}
          way (<code className="font-mono text-xs">webhook-id</code>, <code className="font-mono text-xs">webhook-timestamp</code>, <code className="font-mono text-xs">webhook-signature</code>), so its libraries can verify it with the endpoint&apos;s secret. Failed deliveries are retried for about 18 hours.
        </p>
      </div>

      {mode?.kind === "add" ? (
        <EndpointForm
          onSubmit={add}
          onCancel={() => {
            focusAfterClose.current = "add";
            setMode(null);
          }}
        />
      ) : (
        <button type="button" ref={addRef} onClick={() => setMode({ kind: "add" })} className={PRIMARY}>
          Add endpoint
        </button>
      )}

      <ActionAlert message={error} actionLabel="Dismiss" onAction={() => setError(null)} />

      <section aria-labelledby="endpoint-list-heading">
        <h3 id="endpoint-list-heading" ref={headingRef} tabIndex={-1} className="text-base font-semibold focus:outline-none">
          Your endpoints
        </h3>
        {endpoints.length === 0 ? (
          <div className="mt-3 rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="no-endpoints">
            <p className="font-medium text-slate-900">No webhook endpoints yet</p>
            <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">Add one to push finished calls and their action items into your CRM, tracker or automation tool.</p>
          </div>
        ) : (
          <ul className="mt-3 space-y-4" data-testid="endpoint-list">
            {endpoints.map((endpoint) =>
              mode?.kind === "edit" && mode.id === endpoint.id ? (
                <li key={endpoint.id}>
                  <EndpointForm initial={endpoint} onSubmit={(input) => edit(endpoint.id, input)} onCancel={() => closeEdit(endpoint.id)} />
                </li>
              ) : (
                <li key={endpoint.id} className="rounded-2xl border border-slate-200 bg-white p-4 sm:p-5" data-testid="endpoint-row">
                  {endpoint.disabledReason ? (
                    <div role="alert" className="mb-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="endpoint-disabled">
                      <p className="font-medium">Scryon turned this endpoint off{endpoint.disabledAt ? <> on <AbsoluteTime iso={endpoint.disabledAt} /></> : null}.</p>
                      <p className="mt-0.5">{endpoint.disabledReason} Fix the receiver, then turn the endpoint on again; use Send again in the log for what it missed.</p>
                    </div>
                  ) : null}
                  <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                    <div className="min-w-0">
                      <p className="flex flex-wrap items-center gap-2">
                        {endpoint.description ? <span className="font-medium text-slate-900">{endpoint.description}</span> : null}
                        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${endpoint.active ? "bg-emerald-100 text-emerald-900" : "bg-slate-200 text-slate-700"}`}>{endpoint.active ? "Active" : "Off"}</span>
                      </p>
                      <p className="mt-1 break-all font-mono text-sm text-slate-800">{endpoint.url}</p>
                      <ul className="mt-2 flex flex-wrap gap-1" aria-label="Events">
                        {endpoint.events.map((type) => (
                          <li key={type} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
                            {type}
                          </li>
                        ))}
                      </ul>
                    </div>
                    <div className="flex flex-wrap gap-2 sm:justify-end">
                      <button
                        type="button"
                        ref={(element) => {
                          if (element) editButtons.current.set(endpoint.id, element);
                          else editButtons.current.delete(endpoint.id);
                        }}
                        onClick={() => setMode({ kind: "edit", id: endpoint.id })}
                        className={BUTTON}
                        aria-label={`Edit ${label(endpoint)}`}
                      >
                        Edit
                      </button>
                      <button type="button" onClick={() => void setActive(endpoint, !endpoint.active)} className={BUTTON} aria-label={`${endpoint.active ? "Turn off" : "Turn on"} ${label(endpoint)}`}>
                        {endpoint.active ? "Turn off" : "Turn on"}
                      </button>
                      <button
                        type="button"
                        onClick={() => {
                          setDeleteError(null);
                          setDeleting(endpoint);
                        }}
                        aria-label={`Delete ${label(endpoint)}`}
                        className="rounded-lg border border-red-200 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600"
                      >
                        Delete
                      </button>
                    </div>
                  </div>
                  <div className="mt-3">
                    <SecretField secret={endpoint.secret} label={label(endpoint)} />
                  </div>
                  <button
                    type="button"
                    aria-expanded={logOpen.has(endpoint.id)}
                    onClick={() =>
                      setLogOpen((current) => {
                        const next = new Set(current);
                        if (next.has(endpoint.id)) next.delete(endpoint.id);
                        else next.add(endpoint.id);
                        return next;
                      })
                    }
                    className="mt-2 text-sm font-medium text-brand-700 underline hover:text-brand-600"
                  >
                    {logOpen.has(endpoint.id) ? "Hide delivery log" : "Show delivery log"}
                  </button>
                  {logOpen.has(endpoint.id) ? <DeliveryLog endpointId={endpoint.id} endpointActive={endpoint.active} /> : null}
                </li>
              ),
            )}
          </ul>
        )}
      </section>

      {deleting ? (
        <ConfirmDialog
          heading={`Delete ${label(deleting)}?`}
          description="Scryon stops sending to it at once, and its delivery log is deleted. This cannot be undone."
          confirmLabel="Delete endpoint"
          pendingLabel="Deleting…"
          pending={pending}
          error={deleteError}
          onCancel={() => setDeleting(null)}
          onConfirm={confirmDelete}
        />
      ) : null}
      <Announcement message={announcement} />
    </div>
  );
}
