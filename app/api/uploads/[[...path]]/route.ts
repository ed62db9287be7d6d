import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { uploadSpoolDir } from "@/lib/calls/lifecycle";
import { loadEnv } from "@/lib/env";
import { apiRoute } from "@/lib/http/api";
import { enqueueCall } from "@/lib/pipeline/enqueue";
import { onRecordingQueued } from "@/lib/recording/server";
import { getStorage } from "@/lib/storage";
import { createTusServer } from "@/lib/uploads/tus";

// Resumable uploads (tus 1.0). Kept out of proxy.ts's matcher: the proxy would buffer and cut bodies at 10 MB.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const handle = apiRoute(async (request) => {
  const user = await requireUser();
  const env = loadEnv();
  const db = await getDb();
  const spoolDir = uploadSpoolDir(env.dataDir);
  const server = createTusServer({
    userId: user.id,
    // A browser recording's UPLOAD event says so (and which channel is the microphone) before the pipeline starts.
    deps: { db, storage: getStorage(), maxUploadBytes: env.maxUploadBytes, onQueued: (call) => onRecordingQueued({ db, spoolDir, enqueue: (queued) => enqueueCall(queued) }, call) },
    spoolDir,
  });
  return server.handle(request);
});

export { handle as DELETE, handle as GET, handle as HEAD, handle as OPTIONS, handle as PATCH, handle as POST };
