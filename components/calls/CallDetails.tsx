"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { usePolling } from "@/components/hooks/use-polling";
import { useResettableState } from "@/components/hooks/use-resettable-state";
import { useRestoreFocus } from "@/components/hooks/use-restore-focus";
import { Announcement, FormError } from "@/components/ui/alerts";
import { FormActions } from "@/components/ui/FormActions";
import type { CallDirection } from "@/db/schema";
import { CALL_FIELD_LABELS } from "@/lib/calls/metadata";
import type { CallJson } from "@/lib/calls/serialize";
import { ApiError, fetchCall, patchCall } from "./api";
import { CallMetadataFields } from "./CallMetadataFields";
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
  // A server refresh brings a new call object: it is the truth.
  const [call, setCall] = useResettableState(serverCall);
  const [editing, setEditing] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const { ref: editButtonRef, focusOnClose: focusEditButtonOnClose } = useRestoreFocus<HTMLButtonElement>(editing);

  usePolling(
    async (signal) => {
      try {
        const fresh = await fetchCall(call.id);
        if (signal.aborted) return;
        setCall((current) => (current.status === fresh.status ? current : { ...current, ...fresh }));
        if (fresh.status !== call.status) {
          // Polling goes on with the new status while it is still in progress.
          setAnnouncement(`Status: ${STATUS_LABEL[fresh.status]}`);
          router.refresh();
        }
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
          router.refresh();
          return "stop";
        }
      }
    },
    { enabled: isInProgress(call.status), intervalMs: POLL_MS },
  );

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
            focusEditButtonOnClose();
            setEditing(false);
          }}
          onSaved={(saved) => {
            setCall(saved);
            setAnnouncement("Details saved.");
            focusEditButtonOnClose();
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
      <Announcement message={announcement} />
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
const DIRECTION_OPTIONS = (Object.keys(DIRECTION_LABEL) as CallDirection[]).map((direction) => ({ value: direction, label: DIRECTION_LABEL[direction] }));
/** The server's limits (lib/calls/metadata.ts), enforced while typing. */
const INPUT_PROPS = {
  title: { required: true, "aria-required": true, maxLength: 200 },
  contactName: { maxLength: 200 },
  phoneNumber: { maxLength: 40 },
  organization: { maxLength: 200 },
} as const;

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
      <FormError message={formError} className="mb-4" />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <CallMetadataFields
          values={draft}
          errors={fieldErrors}
          fieldId={fieldId}
          onChange={(name, value) => setDraft((current) => ({ ...current, [name]: value }))}
          directionOptions={DIRECTION_OPTIONS}
          inputClassName={() => inputClass}
          inputProps={INPUT_PROPS}
          labelNotes={{ recordedAt: "(your time zone)" }}
        />
      </div>
      <FormActions label="Save changes" pendingLabel="Saving…" pending={saving} onCancel={onCancel} size="md" className="mt-6" />
    </form>
  );
}
