"use client";

import { useEffect, useRef, useState } from "react";
import { ACCEPTED_FORMATS } from "./check-file";
import { formatBytes } from "./format";

/** What the file picker offers. The bytes are checked anyway: this only filters the dialog. */
export const ACCEPT = "audio/*,video/mp4,.m4a,.mp3,.wav,.ogg,.opus,.webm,.flac,.amr,.aac";

const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes("Files");

/**
 * The file picker and the drop target. Files can be dropped anywhere on the page (a file dropped next
 * to the zone must not make the browser navigate away to it, taking the uploads with it); the zone
 * lights up while a file is dragged over the window.
 */
export function DropZone({
  maxUploadBytes,
  compact,
  onFiles,
  resumable = true,
}: {
  maxUploadBytes: number;
  compact: boolean;
  onFiles(files: File[]): void;
  /** False for direct uploads to Vercel Blob, which cannot be resumed after a reload. */
  resumable?: boolean;
}) {
  const [dragging, setDragging] = useState(false);
  const onFilesRef = useRef(onFiles);
  useEffect(() => {
    onFilesRef.current = onFiles;
  }, [onFiles]);

  useEffect(() => {
    let depth = 0;
    const onDragEnter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const onDragOver = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    };
    const onDragLeave = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length > 0) onFilesRef.current(files);
    };
    window.addEventListener("dragenter", onDragEnter);
    window.addEventListener("dragover", onDragOver);
    window.addEventListener("dragleave", onDragLeave);
    window.addEventListener("drop", onDrop);
    return () => {
      window.removeEventListener("dragenter", onDragEnter);
      window.removeEventListener("dragover", onDragOver);
      window.removeEventListener("dragleave", onDragLeave);
      window.removeEventListener("drop", onDrop);
    };
  }, []);

  return (
    <section
      aria-labelledby="drop-zone-heading"
      data-dragging={dragging || undefined}
      className={`rounded-2xl border-2 border-dashed text-center transition-colors ${
        compact ? "px-6 py-6" : "px-6 py-14"
      } ${dragging ? "border-brand-500 bg-brand-50" : "border-slate-300 bg-white"}`}
    >
      <span
        aria-hidden="true"
        className={`mx-auto flex items-center justify-center rounded-full bg-brand-50 text-brand-600 ${compact ? "hidden" : "mb-4 h-12 w-12"}`}
      >
        <svg viewBox="0 0 24 24" className="h-6 w-6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M12 16V4M7 9l5-5 5 5M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
      </span>
      <h2 id="drop-zone-heading" className={compact ? "text-base font-medium" : "text-lg font-medium"}>
        {dragging ? "Drop to add the recordings" : compact ? "Add more recordings" : "Drag call recordings here"}
      </h2>
      <div className="mt-3">
        <input
          id="upload-file-input"
          type="file"
          multiple
          accept={ACCEPT}
          className="peer sr-only"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            // Reset so that choosing the same file again (to resume it) fires a change again.
            event.target.value = "";
            if (files.length > 0) onFiles(files);
          }}
        />
        <label
          htmlFor="upload-file-input"
          className="inline-flex cursor-pointer items-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-500"
        >
          Choose files
        </label>
      </div>
      <p className="mx-auto mt-4 max-w-xl text-sm text-slate-600">
        {ACCEPTED_FORMATS} audio, or MP4 video-call exports — up to {formatBytes(maxUploadBytes)} each.
      </p>
      <p className="mx-auto mt-1 max-w-xl text-xs text-slate-500">
        {resumable
          ? "If the connection drops, the upload picks up where it stopped. After a reload, choose the same file again to resume it."
          : "Large files are sent in parts, and a part that fails is sent again. Keep this page open until the upload is done."}
      </p>
    </section>
  );
}
