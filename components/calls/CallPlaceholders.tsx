import type { CallStatus } from "@/db/schema";

/** Where the call stands, in one honest sentence, for the sections that processing will fill. */
function progressNote(status: CallStatus): string {
  switch (status) {
    case "UPLOADING":
      return "The recording is still uploading.";
    case "QUEUED":
      return "This call is waiting to be processed.";
    case "PROCESSING":
      return "Processing is running now.";
    case "COMPLETED":
      return "Processing has finished, but this page cannot show its results yet.";
    case "FAILED":
      return "Processing did not finish, so there is nothing to show yet.";
  }
}

function Placeholder({ id, title, children, status }: { id: string; title: string; children: React.ReactNode; status: CallStatus }) {
  return (
    <section aria-labelledby={id} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <h2 id={id} className="text-base font-semibold">
        {title}
      </h2>
      <div className="mt-3 rounded-xl border border-dashed border-slate-200 bg-slate-50 px-4 py-6 text-sm text-slate-600">
        <p>{children}</p>
        <p className="mt-1 text-slate-500">{progressNote(status)}</p>
      </div>
    </section>
  );
}

export function TranscriptPlaceholder({ status }: { status: CallStatus }) {
  return (
    <Placeholder id="transcript-heading" title="Transcript" status={status}>
      The transcript — who said what, synced to the recording — appears here once processing has run.
    </Placeholder>
  );
}
