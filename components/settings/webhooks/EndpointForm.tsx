"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ApiError } from "@/components/lib/http-client";
import { FormError } from "@/components/ui/alerts";
import { FormActions } from "@/components/ui/FormActions";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/lib/webhooks/events";
import type { EndpointInput, EndpointJson } from "./api";

const INPUT = "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

/** Add or edit an endpoint: URL, label, events, on/off. Field errors from the server land on their field. */
export function EndpointForm({
  initial,
  onSubmit,
  onCancel,
}: {
  initial?: EndpointJson;
  onSubmit: (input: EndpointInput) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [url, setUrl] = useState(initial?.url ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [events, setEvents] = useState<WebhookEventType[]>((initial?.events as WebhookEventType[] | undefined) ?? ["call.completed"]);
  const [active, setActive] = useState(initial?.active ?? true);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<{ url?: string; events?: string }>({});
  const urlRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    urlRef.current?.focus();
  }, []);

  function toggle(type: WebhookEventType) {
    setEvents((current) => (current.includes(type) ? current.filter((entry) => entry !== type) : WEBHOOK_EVENT_TYPES.filter((entry) => entry === type || current.includes(entry))));
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const local: typeof fieldErrors = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) local.url = "Enter the receiver's full URL, starting with https:// (or http://).";
    if (events.length === 0) local.events = "Choose at least one event.";
    setFieldErrors(local);
    if (local.url || local.events) return;
    setPending(true);
    try {
      await onSubmit({ url: url.trim(), description: description.trim(), events, active });
    } catch (caught) {
      const details = caught instanceof ApiError ? caught.details : undefined;
      const urlIssue = details?.find((issue) => issue.path === "url");
      const eventsIssue = details?.find((issue) => issue.path.startsWith("events"));
      if (urlIssue || eventsIssue) setFieldErrors({ url: urlIssue?.message, events: eventsIssue ? `Events: ${eventsIssue.message}.` : undefined });
      else setError(caught instanceof ApiError ? caught.message : "The endpoint could not be saved. Try again.");
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${id}-heading`} className="rounded-2xl border border-slate-200 bg-white p-4 sm:p-6" data-testid="endpoint-form">
      <h3 id={`${id}-heading`} className="text-base font-semibold">
        {initial ? "Edit endpoint" : "Add an endpoint"}
      </h3>
      <div className="mt-4">
        <label htmlFor={`${id}-url`} className="block text-sm font-medium text-slate-800">
          URL
        </label>
        <input
          id={`${id}-url`}
          ref={urlRef}
          type="url"
          inputMode="url"
          name="url"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          placeholder="https://example.com/hooks/scryon"
          maxLength={2000}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={fieldErrors.url ? true : undefined}
          aria-describedby={`${id}-url-hint${fieldErrors.url ? ` ${id}-url-error` : ""}`}
          className={INPUT}
        />
        <p id={`${id}-url-hint`} className="mt-1 text-xs text-slate-500">
          Scryon POSTs JSON here. Private and local addresses are refused unless the server allows them.
        </p>
        {fieldErrors.url ? (
          <p id={`${id}-url-error`} className="mt-1 text-sm text-red-700">
            {fieldErrors.url}
          </p>
        ) : null}
      </div>
      <div className="mt-4">
        <label htmlFor={`${id}-description`} className="block text-sm font-medium text-slate-800">
          Label <span className="font-normal text-slate-500">(optional)</span>
        </label>
        <input
          id={`${id}-description`}
          name="description"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          placeholder="e.g. CRM sync"
          maxLength={200}
          className={INPUT}
        />
      </div>
      <fieldset className="mt-4" aria-describedby={fieldErrors.events ? `${id}-events-error` : undefined}>
        <legend className="text-sm font-medium text-slate-800">Events</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="flex cursor-pointer gap-3 rounded-lg border border-slate-200 p-3 text-sm hover:border-slate-300 has-[:checked]:border-brand-500 has-[:checked]:bg-brand-50 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500">
              <input type="checkbox" name="events" value={type} checked={events.includes(type)} onChange={() => toggle(type)} className="mt-0.5 accent-brand-600" />
              <span className="min-w-0">
                <span className="block font-mono text-xs font-semibold text-slate-900">{type}</span>
                <span className="block text-slate-600">{WEBHOOK_EVENT_LABELS[type]}</span>
              </span>
            </label>
          ))}
        </div>
        {fieldErrors.events ? (
          <p id={`${id}-events-error`} className="mt-1 text-sm text-red-700">
            {fieldErrors.events}
          </p>
        ) : null}
      </fieldset>
      <label className="mt-4 flex items-center gap-2 text-sm text-slate-800">
        <input type="checkbox" name="active" checked={active} onChange={(event) => setActive(event.target.checked)} className="accent-brand-600" />
        Active (send events to this endpoint)
      </label>
      <FormError message={error} className="mt-4" />
      <div className="mt-4">
        <FormActions label={initial ? "Save" : "Add endpoint"} pendingLabel="Saving…" pending={pending} onCancel={onCancel} />
      </div>
    </form>
  );
}
