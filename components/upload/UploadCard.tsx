"use client";

import Link from "next/link";
import { CallMetadataFields } from "@/components/calls/CallMetadataFields";
import { titleFromFilename } from "@/lib/calls/metadata";
import { formatBytes } from "./format";
import type { FieldName } from "./metadata-fields";
import { UploadProgressBar } from "./UploadProgressBar";
import { isActive, isEditable, type UploadItem } from "./upload-state";

export function fieldId(itemKey: string, name: FieldName): string {
  return `${itemKey}-${name}`;
}

const DIRECTION_OPTIONS = [
  { value: "UNKNOWN", label: "Not sure" },
  { value: "INCOMING", label: "Incoming (they called)" },
  { value: "OUTGOING", label: "Outgoing (I called)" },
] as const;

const inputClassName = (invalid: boolean) =>
  `mt-1 block w-full rounded-lg border bg-white px-3 py-2 text-sm shadow-sm disabled:bg-slate-50 ${invalid ? "border-red-400" : "border-slate-300"}`;

interface UploadCardProps {
  item: UploadItem;
  onFieldChange(name: FieldName, value: string): void;
  onUpload(): void;
  onCancel(): void;
  onReconnect(): void;
  onRemove(): void;
}

/** One selected file: its details form, then its upload, then where to find the call. */
export function UploadCard({ item, onFieldChange, onUpload, onCancel, onReconnect, onRemove }: UploadCardProps) {
  const { file, phase } = item;
  const headingId = `${item.key}-heading`;
  const editable = isEditable(item);
  const active = isActive(item);
  // The details stay visible (read-only) while they are being sent; a finished or refused file needs none.
  const showForm = editable || active;

  return (
    <article
      aria-labelledby={headingId}
      className={`rounded-2xl border bg-white p-5 shadow-sm ${
        phase === "rejected" || phase === "failed" ? "border-red-200" : phase === "done" ? "border-emerald-200" : "border-slate-200"
      }`}
    >
      <header className="flex items-start justify-between gap-4">
        <div className="flex min-w-0 items-start gap-3">
          <FileIcon phase={phase} />
          <div className="min-w-0">
            <h3 id={headingId} className="break-all font-medium text-slate-900">
              {file.name}
            </h3>
            <p className="mt-0.5 text-xs text-slate-500">
              {formatBytes(file.size)}
              {item.formatLabel ? ` · ${item.formatLabel}` : null}
            </p>
          </div>
        </div>
        {!active ? (
          <button
            type="button"
            onClick={onRemove}
            className="shrink-0 rounded-lg px-2 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          >
            {/* A finished call is only taken off this list, never deleted. */}
            {phase === "done" ? "Dismiss" : "Remove"}
            <span className="sr-only"> {file.name}</span>
          </button>
        ) : null}
      </header>

      {item.resumable && editable ? (
        <p className="mt-3 rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-700">
          Part of this file was uploaded earlier. It continues where it stopped; changing the details below starts it over.
        </p>
      ) : null}

      {showForm ? (
        <form
          className="mt-4"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            onUpload();
          }}
        >
          <fieldset disabled={!editable} className="grid gap-4 disabled:opacity-70 sm:grid-cols-2">
            <legend className="sr-only">Details for {file.name}</legend>
            <CallMetadataFields
              values={item.fields}
              errors={item.errors}
              fieldId={(name) => fieldId(item.key, name)}
              onChange={onFieldChange}
              directionOptions={DIRECTION_OPTIONS}
              inputClassName={inputClassName}
              hints={{ recordedAt: "Taken from the file's date; change it if the call was at another time." }}
            />
          </fieldset>
          {editable ? (
            <div className="mt-5 flex flex-wrap items-center gap-3">
              <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
                {phase === "ready" ? "Upload" : "Try again"}
                <span className="sr-only"> {file.name}</span>
              </button>
            </div>
          ) : null}
        </form>
      ) : null}

      <Status item={item} onCancel={onCancel} onReconnect={onReconnect} />
    </article>
  );
}

function Status({ item, onCancel, onReconnect }: { item: UploadItem; onCancel(): void; onReconnect(): void }) {
  const { phase, progress, file } = item;
  const showBar = progress !== null && (isActive(item) || phase === "done");
  const cancelButton = (
    <button
      type="button"
      onClick={onCancel}
      className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50"
    >
      Cancel<span className="sr-only"> upload of {file.name}</span>
    </button>
  );

  let message: React.ReactNode = null;
  let actions: React.ReactNode = null;
  let tone = "text-slate-700";
  switch (phase) {
    case "checking":
      message = "Checking the file…";
      break;
    case "rejected":
      message = item.message;
      tone = "text-red-700";
      break;
    case "ready":
      break;
    case "uploading":
      message = "Uploading… Keep this page open until it is done.";
      actions = cancelButton;
      break;
    case "retrying":
      message = "Connection lost, retrying…";
      tone = "text-amber-800";
      actions = cancelButton;
      break;
    case "paused":
      message = "Connection lost. Scryon keeps trying and continues where it stopped as soon as the server is reachable.";
      tone = "text-amber-800";
      actions = (
        <>
          <button
            type="button"
            onClick={onReconnect}
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
          >
            Retry now
          </button>
          {cancelButton}
        </>
      );
      break;
    case "processing":
      message = "Checking the recording…";
      break;
    case "done":
      tone = "text-emerald-800";
      if (item.callId) {
        message = `Uploaded as “${item.fields.title.trim() || titleFromFilename(file.name)}”. Scryon is processing the call now.`;
        actions = (
          <Link
            href={`/calls/${item.callId}`}
            className="rounded-lg bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-800"
          >
            Open call<span className="sr-only"> {item.fields.title || file.name}</span>
          </Link>
        );
      } else {
        tone = "text-amber-800";
        message = "Every byte reached the server, but it did not confirm the call. Look for it under Calls before uploading it again.";
        actions = (
          <Link href="/calls" className="text-sm font-medium text-brand-700 underline">
            Go to calls
          </Link>
        );
      }
      break;
    case "failed":
      message = item.message;
      tone = "text-red-700";
      break;
    case "cancelled":
      message = "Upload cancelled. Nothing was kept on the server.";
      tone = "text-slate-600";
      break;
  }

  return (
    <div className={showBar || message || actions ? "mt-4 space-y-3" : undefined}>
      {showBar && progress ? <UploadProgressBar fileName={file.name} phase={phase} progress={progress} /> : null}
      <div className="flex flex-wrap items-center justify-between gap-3">
        {phase === "rejected" || phase === "failed" ? (
          <p key="alert" role="alert" className={`text-sm ${tone}`}>
            {message}
          </p>
        ) : (
          <p key="status" role="status" className={`text-sm ${tone}`}>
            {message}
          </p>
        )}
        {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
      </div>
    </div>
  );
}

function FileIcon({ phase }: { phase: UploadItem["phase"] }) {
  const colour =
    phase === "done"
      ? "bg-emerald-50 text-emerald-700"
      : phase === "rejected" || phase === "failed"
        ? "bg-red-50 text-red-700"
        : "bg-brand-50 text-brand-700";
  return (
    <span aria-hidden="true" className={`flex h-10 w-10 shrink-0 items-center justify-center rounded-xl ${colour}`}>
      <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
        <path d="M4 14v-4M8 17V7M12 20V4M16 16V8M20 13v-2" />
      </svg>
    </span>
  );
}
