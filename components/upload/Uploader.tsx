"use client";

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { checkFile } from "./check-file";
import { startDirectUpload } from "./direct-upload";
import { DropZone } from "./DropZone";
import { validateFields, type FieldName } from "./metadata-fields";
import { findUnfinishedUpload, startResumableUpload, type UploadHandle } from "./resumable-upload";
import { fieldId, UploadCard } from "./UploadCard";
import { isActive, isEditable, newItem, sameFile, uploadsReducer, type UploadItem } from "./upload-state";

const LEAVE_WARNING =
  "An upload is still running. If you leave this page it stops; choose the same file again later to resume it. Leave anyway?";
const LEAVE_WARNING_DIRECT = "An upload is still running. If you leave this page it stops and has to start over. Leave anyway?";

/**
 * How files reach the server: `tus` — resumable uploads to the app itself (local storage); `blob` —
 * straight to Vercel Blob with a client token from the app (lib/uploads/blob-direct.ts).
 */
export type UploadMode = "tus" | "blob";

/** The upload page's client side: choose or drop files, describe them, upload them (resumably with tus). */
export function Uploader({ maxUploadBytes, uploadMode = "tus" }: { maxUploadBytes: number; uploadMode?: UploadMode }) {
  const [items, dispatch] = useReducer(uploadsReducer, []);
  const itemsRef = useRef(items);
  const handles = useRef(new Map<string, UploadHandle>());
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    itemsRef.current = items;
  }, [items]);

  const busy = items.some(isActive);

  // The browser holds the only copy being sent until the server confirms it: warn before leaving.
  useEffect(() => {
    if (!busy) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show the prompt
    };
    // Links inside the app navigate without unloading the page: ask for those too.
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(anchor instanceof HTMLAnchorElement) || (anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin) return; // a real unload: beforeunload asks
      if (url.pathname === window.location.pathname) return;
      if (!window.confirm(uploadMode === "blob" ? LEAVE_WARNING_DIRECT : LEAVE_WARNING)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [busy, uploadMode]);

  // Leaving the page (after confirming) stops the uploads: tus ones without deleting them, so they can
  // resume; direct (Blob) ones cannot resume and are deleted.
  useEffect(() => {
    const current = handles.current;
    return () => {
      for (const handle of current.values()) handle.stop();
      current.clear();
    };
  }, []);

  const addFiles = useCallback(
    (files: File[]) => {
      const fresh: UploadItem[] = [];
      const skipped: string[] = [];
      for (const file of files) {
        const duplicate = [...itemsRef.current, ...fresh].some(
          (item) => sameFile(item.file, file) && item.phase !== "cancelled" && item.phase !== "failed",
        );
        if (duplicate) skipped.push(file.name);
        else fresh.push(newItem(file));
      }
      setNotice(skipped.length ? `Already in the list: ${skipped.join(", ")}.` : null);
      if (fresh.length === 0) return;
      dispatch({ type: "add", items: fresh });
      for (const item of fresh) {
        void (async () => {
          const check = await checkFile(item.file, maxUploadBytes);
          if (!check.ok) {
            dispatch({ type: "rejected", key: item.key, message: check.message });
            return;
          }
          // Only tus uploads can be resumed.
          const previous = uploadMode === "tus" ? await findUnfinishedUpload(item.file) : null;
          dispatch({ type: "checked", key: item.key, sniff: check.sniff, previousMetadata: previous?.metadata ?? null });
        })();
      }
    },
    [maxUploadBytes, uploadMode],
  );

  /** Validates and starts one item; returns the first invalid field's id when the form is not valid. */
  const start = useCallback((item: UploadItem): string | null => {
    if (!isEditable(item)) return null;
    const result = validateFields(item.fields, item.file, item.mimeType);
    if (!result.ok) {
      dispatch({ type: "invalid", key: item.key, errors: result.errors });
      return fieldId(item.key, result.firstInvalid);
    }
    const key = item.key;
    dispatch({ type: "start", key });
    const send = uploadMode === "blob" ? startDirectUpload : startResumableUpload;
    const handle = send(item.file, result.metadata, {
      onPhase: (phase) => dispatch({ type: "phase", key, phase }),
      onProgress: (progress) => dispatch({ type: "progress", key, progress }),
      onSuccess: (callId) => {
        handles.current.delete(key);
        dispatch({ type: "success", key, callId });
      },
      onFailure: (failure) => {
        handles.current.delete(key);
        dispatch({ type: "failure", key, failure });
      },
    });
    handles.current.set(key, handle);
    return null;
  }, [uploadMode]);

  const focusLater = (id: string) => requestAnimationFrame(() => document.getElementById(id)?.focus());

  const uploadOne = (key: string) => {
    const item = itemsRef.current.find((candidate) => candidate.key === key);
    if (!item) return;
    const invalid = start(item);
    if (invalid) focusLater(invalid);
  };

  const uploadAll = () => {
    let firstInvalid: string | null = null;
    for (const item of itemsRef.current) {
      if (item.phase !== "ready") continue;
      const invalid = start(item);
      firstInvalid ??= invalid;
    }
    if (firstInvalid) focusLater(firstInvalid);
  };

  const cancel = (key: string) => {
    const handle = handles.current.get(key);
    handles.current.delete(key);
    dispatch({ type: "cancelled", key });
    void handle?.cancel();
  };

  const remove = (key: string) => {
    handles.current.get(key)?.stop();
    handles.current.delete(key);
    dispatch({ type: "remove", key });
    requestAnimationFrame(() => (listHeadingRef.current ?? document.getElementById("upload-file-input"))?.focus());
  };

  const readyCount = items.filter((item) => item.phase === "ready").length;
  const doneCount = items.filter((item) => item.phase === "done").length;
  const activeCount = items.filter(isActive).length;

  return (
    <div className="space-y-6">
      <DropZone maxUploadBytes={maxUploadBytes} compact={items.length > 0} onFiles={addFiles} resumable={uploadMode === "tus"} />
      <p role="status" className={notice ? "text-sm text-slate-600" : "sr-only"}>
        {notice}
      </p>

      {items.length > 0 ? (
        <section aria-labelledby="selected-heading" className="space-y-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div>
              <h2 id="selected-heading" ref={listHeadingRef} tabIndex={-1} className="text-lg font-medium">
                Selected recordings
              </h2>
              <p className="text-sm text-slate-600">
                {summary(items.length, activeCount, doneCount)}
              </p>
            </div>
            {readyCount > 1 ? (
              <button
                type="button"
                onClick={uploadAll}
                className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
              >
                Upload all ({readyCount})
              </button>
            ) : null}
          </div>
          <ul className="space-y-4">
            {items.map((item) => (
              <li key={item.key}>
                <UploadCard
                  item={item}
                  onFieldChange={(name: FieldName, value: string) => dispatch({ type: "field", key: item.key, name, value })}
                  onUpload={() => uploadOne(item.key)}
                  onCancel={() => cancel(item.key)}
                  onReconnect={() => handles.current.get(item.key)?.reconnectNow()}
                  onRemove={() => remove(item.key)}
                />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function summary(total: number, active: number, done: number): string {
  const parts = [`${total} ${total === 1 ? "file" : "files"}`];
  if (active) parts.push(`${active} uploading`);
  if (done) parts.push(`${done} uploaded`);
  return parts.join(" · ");
}
