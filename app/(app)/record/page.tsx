import type { Metadata } from "next";
import { Recorder } from "@/components/record/Recorder";
import { requirePageUser } from "@/lib/auth/session";
import { loadEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Record" };

/** MediaRecorder chunks of this length are streamed to the server while recording. */
const CHUNK_MS = 4_000;

export default async function RecordPage() {
  await requirePageUser("/record");
  const { recordingFinalizeMs } = loadEnv();
  // While paused nothing is sent: a heartbeat well inside the finalising timeout keeps the recording open.
  const heartbeatMs = Math.max(1_000, Math.min(60_000, Math.floor((recordingFinalizeMs || 600_000) / 3)));
  return (
    <div className="mx-auto max-w-3xl">
      <Recorder chunkMs={CHUNK_MS} heartbeatMs={heartbeatMs} />
    </div>
  );
}
