import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/session";
import { uploadSpoolDir } from "@/lib/calls/lifecycle";
import { loadEnv } from "@/lib/env";
import { apiRoute } from "@/lib/http/api";
import { enqueueCall } from "@/lib/pipeline/enqueue";
import { getStorage } from "@/lib/storage";
import { createTusServer } from "@/lib/uploads/tus";

// Resumable uploads (tus 1.0). Kept out of proxy.ts's matcher: the proxy would buffer and cut bodies at 10 MB.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const handle = apiRoute(async (request) => {
  const user = await requireUser();
  const env = loadEnv();
  const server = createTusServer({
    userId: user.id,
    deps: { db: await getDb(), storage: getStorage(), maxUploadBytes: env.maxUploadBytes, onQueued: (call) => enqueueCall(call) },
    spoolDir: uploadSpoolDir(env.dataDir),
  });
  return server.handle(request);
});

export { handle as DELETE, handle as GET, handle as HEAD, handle as OPTIONS, handle as PATCH, handle as POST };
