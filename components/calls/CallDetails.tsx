"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import type { CallDirection } from "@/db/schema";
import { CALL_FIELD_LABELS } from "@/lib/calls/metadata";
import type { CallJson } from "@/lib/calls/serialize";
import { ApiError, fetchCall, patchCall } from "./api";
import { DeleteCallButton } from "./DeleteCallButton";
import { DirectionLabel } from "./DirectionLabel";
import { isInProgress } from "./filters";
import { DIRECTION_LABEL, formatDuration, spokenDuration, STATUS_LABEL, toDateTimeLocalValue } from "./format";
import { AbsoluteTime, RelativeTime } from "./RelativeTime";
import { StatusChip } from "./StatusChip";

const POLL_MS = 3000;

/** Short error codes the pipeline leaves on a FAILED call, in words. Unknown codes are shown as they are. */
const FAILURE_TEXT: Record<string, string> = {
  STALLED: "Processing stopped responding and was given up on.",
};

/**
 * The call's header: title, status, metadata with an inline edit form (PATCH /api/calls/:id), the
 * failure reason, and delete. While the call is queued or processing it polls the API and refreshes
 * the page when the status changes.
 */
export function CallDetails({ call: serverCall }: { call: CallJson }) {
  const router = useRouter();
  const [call, setCall] = useState(serverCall);
  // A server refresh brings a new call object: it is the truth.
  const [lastServerCall, setLastServerCall] = useState(serverCall);
  if (serverCall !== lastServerCall) {
    setLastServerCall(serverCall);
    setCall(serverCall);
  }
  const [editing, setEditing] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const editButtonRef = useRef<HTMLButtonElement>(null);
  const focusEditButton = useRef(false);

  useEffect(() => {
    if (!editing && focusEditButton.current) {
      focusEditButton.current = false;
      editButtonRef.current?.focus();
    }
  }, [editing]);

  const polling = isInProgress(call.status);
  useEffect(() => {
    if (!polling) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const schedule = () => {
      timer = setTimeout(async () => {
        if (!document.hidden) {
          try {
            const fresh = await fetchCall(call.id);
            if (stopped) return;
            setCall((current) => (current.status === fresh.status ? current : { ...current, ...fresh }));
            if (fresh.status !== call.status) {
              setAnnouncement(`Status: ${STATUS_LABEL[fresh.status]}`);
              router.refresh();
              return;
            }
          } catch (error) {
            if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
              router.refresh();
              return;
            }
          }
        }
        if (!stopped) schedule();
      }, POLL_MS);
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [polling, call.id, call.status, router]);

  const who = [call.contactName, call.organization].filter(Boolean).join(" · ");

  return (
    <section aria-labelledby="call-title" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1 id="call-title" className="break-words text-2xl font-semibold tracking-tight">
              {call.title}
            </h1>
            <StatusChip status={call.status} />
          </div>
          <p className="mt-1 text-sm text-slate-600">
            {who ? `${who} · ` : null}
            <RelativeTime iso={call.recordedAt} />
          </p>
        </div>
        {!editing ? (
          <div className="flex shrink-0 items-center gap-2">
            <button
              ref={editButtonRef}
              type="button"
              onClick={() => setEditing(true)}
              className="inline-flex items-center gap-1.5 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50"
            >
              <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-4 w-4">
                <path d="m13.5 3.5 3 3L7 16H4v-3l9.5-9.5Z" strokeLinejoin="round" />
              </svg>
              Edit details
            </button>
            <DeleteCallButton callId={call.id} title={call.title} />
          </div>
        ) : null}
      </div>

      {call.status === "FAILED" ? (
        <div role="alert" className="mt-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <p className="font-medium">Processing failed.</p>
          <p className="mt-1">
            {call.errorReason ? (FAILURE_TEXT[call.errorReason] ?? "The pipeline reported an error.") : "No reason was recorded."}
            {call.errorReason ? (
              <>
                {" "}
                Reason code: <code className="rounded bg-red-100 px-1 font-mono text-xs">{call.errorReason}</code>
              </>
            ) : null}
          </p>
        </div>
      ) : null}

      {editing ? (
        <EditCallForm
          call={call}
          onCancel={() => {
            focusEditButton.current = true;
            setEditing(false);
          }}
          onSaved={(saved) => {
            setCall(saved);
            setAnnouncement("Details saved.");
            focusEditButton.current = true;
            setEditing(false);
            router.refresh();
          }}
        />
      ) : (
        <dl className="mt-6 grid grid-cols-1 gap-x-6 gap-y-4 border-t border-slate-100 pt-5 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <Detail label="Contact" value={call.contactName} />
          <Detail label="Phone number" value={call.phoneNumber} />
          <Detail label="Organization" value={call.organization} />
          <Detail label="Direction">
            <DirectionLabel direction={call.direction} />
          </Detail>
          <Detail label="Recorded">
            <AbsoluteTime iso={call.recordedAt} />
          </Detail>
          <Detail label="Duration">
            {formatDuration(call.durationSeconds) ? (
              <>
                <span aria-hidden="true" className="tabular-nums">
                  {formatDuration(call.durationSeconds)}
                </span>
                <span className="sr-only">{spokenDuration(call.durationSeconds)}</span>
              </>
            ) : (
              <span className="text-slate-400">Not known yet</span>
            )}
          </Detail>
        </dl>
      )}
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>
    </section>
  );
}

function Detail({ label, value, children }: { label: string; value?: string | null; children?: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 break-words text-slate-900">
        {children ?? (value ? value : <span className="text-slate-400">Not set</span>)}
      </dd>
    </div>
  );
}

interface Draft {
  title: string;
  contactName: string;
  phoneNumber: string;
  organization: string;
  direction: CallDirection;
  recordedAt: string;
}

const FIELD_LABELS: Record<keyof Draft, string> = CALL_FIELD_LABELS;
const FIELD_ORDER = Object.keys(FIELD_LABELS) as (keyof Draft)[];

const inputClass =
  "mt-1 block h-10 w-full rounded-lg border border-slate-300 bg-white px-3 text-sm shadow-sm hover:border-slate-400 focus:border-brand-500 aria-invalid:border-red-500";

function EditCallForm({ call, onCancel, onSaved }: { call: CallJson; onCancel: () => void; onSaved: (call: CallJson) => void }) {
  const idPrefix = useId();
  const [draft, setDraft] = useState<Draft>(() => ({
    title: call.title,
    contactName: call.contactName ?? "",
    phoneNumber: call.phoneNumber ?? "",
    organization: call.organization ?? "",
    direction: call.direction,
    recordedAt: toDateTimeLocalValue(call.recordedAt),
  }));
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>("input")?.focus();
  }, []);

  const fieldId = (name: keyof Draft) => `${idPrefix}-${name}`;
  const set = (name: keyof Draft) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setDraft((current) => ({ ...current, [name]: event.target.value }));

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setFormError(null);
    if (!draft.title.trim()) {
      setFieldErrors({ title: "Title must not be empty." });
      document.getElementById(fieldId("title"))?.focus();
      return;
    }
    setSaving(true);
    setFieldErrors({});
    const recordedAt = draft.recordedAt ? new Date(draft.recordedAt) : null;
    try {
      const saved = await patchCall(call.id, {
        title: draft.title,
        contactName: draft.contactName,
        phoneNumber: draft.phoneNumber,
        organization: draft.organization,
        direction: draft.direction,
        // datetime-local is the viewer's local time; an emptied field keeps the stored time.
        ...(recordedAt && !Number.isNaN(recordedAt.getTime()) ? { recordedAt: recordedAt.toISOString() } : {}),
      });
      onSaved(saved);
    } catch (error) {
      setSaving(false);
      if (error instanceof ApiError && error.details?.length) {
        const errors: Partial<Record<keyof Draft, string>> = {};
        const other: string[] = [];
        for (const issue of error.details) {
          const name = issue.path as keyof Draft;
          if (name in FIELD_LABELS) errors[name] ??= `${FIELD_LABELS[name]} ${issue.message}.`;
          else other.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
        }
        setFieldErrors(errors);
        setFormError(other.length ? other.join(" ") : "Some fields need attention.");
        const first = FIELD_ORDER.find((name) => errors[name]);
        if (first) document.getElementById(fieldId(first))?.focus();
      } else {
        setFormError(error instanceof ApiError ? error.message : "The changes could not be saved. Try again.");
      }
    }
  }

  const errorProps = (name: keyof Draft) =>
    fieldErrors[name] ? { "aria-invalid": true as const, "aria-describedby": `${fieldId(name)}-error` } : {};
  const fieldError = (name: keyof Draft) =>
    fieldErrors[name] ? (
      <p id={`${fieldId(name)}-error`} className="mt-1 text-sm text-red-700">
        {fieldErrors[name]}
      </p>
    ) : null;

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === "Escape" && !saving) {
          event.preventDefault();
          onCancel();
        }
      }}
      aria-label="Edit call details"
      noValidate
      className="mt-6 border-t border-slate-100 pt-5"
    >
      {formError ? (
        <p role="alert" className="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {formError}
        </p>
      ) : null}
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <div className="sm:col-span-2">
          <label htmlFor={fieldId("title")} className="text-sm font-medium text-slate-700">
            Title
          </label>
          <input
            id={fieldId("title")}
            name="title"
            value={draft.title}
            onChange={set("title")}
            required
            aria-required="true"
            maxLength={200}
            className={inputClass}
            {...errorProps("title")}
          />
          {fieldError("title")}
        </div>
        <div>
          <label htmlFor={fieldId("contactName")} className="text-sm font-medium text-slate-700">
            Contact name
          </label>
          <input
            id={fieldId("contactName")}
            name="contactName"
            value={draft.contactName}
            onChange={set("contactName")}
            maxLength={200}
            autoComplete="off"
            className={inputClass}
            {...errorProps("contactName")}
          />
          {fieldError("contactName")}
        </div>
        <div>
          <label htmlFor={fieldId("phoneNumber")} className="text-sm font-medium text-slate-700">
            Phone number
          </label>
          <input
            id={fieldId("phoneNumber")}
            name="phoneNumber"
            type="tel"
            value={draft.phoneNumber}
            onChange={set("phoneNumber")}
            maxLength={40}
            autoComplete="off"
            className={inputClass}
            {...errorProps("phoneNumber")}
          />
          {fieldError("phoneNumber")}
        </div>
        <div>
          <label htmlFor={fieldId("organization")} className="text-sm font-medium text-slate-700">
            Organization
          </label>
          <input
            id={fieldId("organization")}
            name="organization"
            value={draft.organization}
            onChange={set("organization")}
            maxLength={200}
            autoComplete="off"
            className={inputClass}
            {...errorProps("organization")}
          />
          {fieldError("organization")}
        </div>
        <div>
          <label htmlFor={fieldId("direction")} className="text-sm font-medium text-slate-700">
            Direction
          </label>
          <select
            id={fieldId("direction")}
            name="direction"
            value={draft.direction}
            onChange={set("direction")}
            className={inputClass}
            {...errorProps("direction")}
          >
            {(Object.keys(DIRECTION_LABEL) as CallDirection[]).map((direction) => (
              <option key={direction} value={direction}>
                {DIRECTION_LABEL[direction]}
              </option>
            ))}
          </select>
          {fieldError("direction")}
        </div>
        <div>
          <label htmlFor={fieldId("recordedAt")} className="text-sm font-medium text-slate-700">
            Recorded at <span className="font-normal text-slate-500">(your time zone)</span>
          </label>
          <input
            id={fieldId("recordedAt")}
            name="recordedAt"
            type="datetime-local"
            value={draft.recordedAt}
            onChange={set("recordedAt")}
            className={inputClass}
            {...errorProps("recordedAt")}
          />
          {fieldError("recordedAt")}
        </div>
      </div>
      <div className="mt-6 flex flex-wrap justify-end gap-3">
        <button
          type="button"
          onClick={onCancel}
          disabled={saving}
          className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
        >
          Cancel
        </button>
        <button
          type="submit"
          disabled={saving}
          aria-busy={saving}
          className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:cursor-wait disabled:opacity-70"
        >
          {saving ? "Saving…" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
