/**
 * The bare baseline of `npm run bench:api`, run as its own process with `--conditions react-server` (the
 * app's query modules are server-only):
 *
 *   seed  <database>          migrate, create the local-dev user and a realistic set of calls, events and action
 *                             items through the app's own query functions; prints `{ userId, callIds }`
 *   serve <database> <port> <userId>
 *                             a plain node:http server that, per request, runs the same SQL as the app's route
 *                             (the user lookup, then the route's queries, through the same drizzle query
 *                             functions and the same driver) and serialises the same JSON. No Next, no Auth.js.
 *
 * `<database>` is a postgres:// URL (postgres.js, the app's pool settings) or a PGlite directory.
 */
import http from "node:http";
import { openDatabase, migrateDatabase, type Database } from "@/db/client";
import { listActionItemPage } from "@/db/queries/action-items";
import { getCall, listCalls } from "@/db/queries/calls";
import { latestStages } from "@/db/queries/events";
import { getUserById, upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callProcessingEvents, callRecords } from "@/db/schema";
import { DEFAULT_LISTED_STATUSES } from "@/components/calls/filters";
import { toActionItemJson } from "@/lib/action-items/serialize";
import { inboxFilter, todayIn } from "@/lib/action-items/service";
import { LOCAL_DEV_EXTERNAL_ID } from "@/lib/auth/local-dev";
import { processingIds, toCallJson, toCallListJson } from "@/lib/calls/serialize";

const [mode, target, portArg, userIdArg] = process.argv.slice(2);

async function open() {
  const handle = target!.startsWith("postgres") ? await openDatabase({ databaseUrl: target }) : await openDatabase({ pgliteDir: target });
  return handle;
}

const CONTACTS = ["Ada Park", "Bruno Silva", "Chen Wei", "Dana Ortiz", "Elif Kaya", "Femi Adeyemi", "Greta Lund", "Hiro Tanaka"];
const ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella", null];
const TASKS = ["Send the revised quote", "Book a follow-up call", "Share the onboarding deck", "Check the contract terms", "Ask legal about the NDA", "Email the meeting notes"];

async function seed(db: Database) {
  const user = await upsertUserByExternalId(db, { externalUserId: LOCAL_DEV_EXTERNAL_ID, displayName: "Local Developer" });
  const now = Date.now();
  const callIds: string[] = [];
  for (let i = 0; i < 40; i++) {
    const created = new Date(now - (40 - i) * 3_600_000);
    const [call] = await db
      .insert(callRecords)
      .values({
        userId: user.id,
        title: `${TASKS[i % TASKS.length]!.split(" ").slice(1).join(" ")} with ${CONTACTS[i % CONTACTS.length]}`,
        contactName: CONTACTS[i % CONTACTS.length]!,
        phoneNumber: `+1555010${String(i).padStart(4, "0")}`,
        organization: ORGS[i % ORGS.length] ?? null,
        direction: i % 3 === 0 ? "INCOMING" : i % 3 === 1 ? "OUTGOING" : "UNKNOWN",
        recordedAt: created,
        durationSeconds: 120 + ((i * 37) % 1500),
        status: i % 13 === 5 ? "FAILED" : i % 11 === 3 ? "PROCESSING" : "COMPLETED",
        errorReason: i % 13 === 5 ? "TRANSCRIPTION_FAILED" : null,
        createdAt: created,
        updatedAt: created,
      })
      .returning();
    callIds.push(call!.id);
    const stages = ["UPLOAD", "AUDIO_PREP", "DIARIZATION", "TRANSCRIPTION", "NORMALIZATION", "ANALYSIS", "CLEANUP"] as const;
    await db.insert(callProcessingEvents).values(
      stages.flatMap((stage, s) => [
        { callId: call!.id, userId: user.id, stage, status: "STARTED" as const, provider: "local", createdAt: new Date(created.getTime() + s * 2000) },
        { callId: call!.id, userId: user.id, stage, status: "COMPLETED" as const, provider: "local", durationMs: 1500, createdAt: new Date(created.getTime() + s * 2000 + 1500) },
      ]),
    );
    await db.insert(actionItems).values(
      Array.from({ length: 5 }, (_, k) => ({
        callRecordId: call!.id,
        title: `${TASKS[(i + k) % TASKS.length]} (${CONTACTS[i % CONTACTS.length]})`,
        description: k % 2 === 0 ? "Mentioned near the end of the call; they asked for it before the next review." : null,
        dueDate: k % 3 === 0 ? null : new Date(now + (k - 2) * 86_400_000 * (i % 5)).toISOString().slice(0, 10),
        priority: (["low", "medium", "high"] as const)[k % 3],
        status: k === 4 ? ("DONE" as const) : ("OPEN" as const),
        ownerRole: k % 2 === 0 ? ("SELF" as const) : ("COUNTERPARTY" as const),
        ownerSpeakerLabel: k % 2 === 0 ? "Speaker 1" : "Speaker 2",
        ownerDisplayName: k % 2 === 0 ? "You" : CONTACTS[i % CONTACTS.length]!,
        sourceSegmentIdsJson: [`seg-${k}`, `seg-${k + 1}`],
        sourceText: "I'll get that over to you by the end of the week.",
        completedAt: k === 4 ? created : null,
      })),
    );
  }
  return { userId: user.id, callIds };
}

const NO_STORE = { "content-type": "application/json", "cache-control": "private, no-store" };

function serve(db: Database, port: number, userId: string) {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://baseline");
        // The same lookup the app makes per request (the session's user), without decoding a session.
        const user = await getUserById(db, userId);
        if (!user) throw new Error("no user");
        let body: unknown;
        const callMatch = /^\/api\/calls\/([^/]+)$/.exec(url.pathname);
        if (callMatch) {
          const call = await getCall(db, { userId: user.id, callId: callMatch[1]! });
          if (!call) {
            res.writeHead(404, NO_STORE).end('{"error":{"code":"NOT_FOUND"}}');
            return;
          }
          body = { call: toCallJson(call) };
        } else if (url.pathname === "/api/calls") {
          const page = await listCalls(db, { userId: user.id, limit: 25, cursor: null, query: null, statuses: DEFAULT_LISTED_STATUSES, direction: null });
          body = { items: toCallListJson(page.items, await latestStages(db, processingIds(page.items))), nextCursor: page.nextCursor };
        } else if (url.pathname === "/api/action-items") {
          const today = todayIn("UTC");
          const page = await listActionItemPage(db, { userId: user.id, filter: inboxFilter({ status: "all", owner: "all", due: "any" }, today) });
          body = { items: page.rows.map((row) => toActionItemJson(row.item, row.call)), nextCursor: page.nextCursor };
        } else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, NO_STORE).end(JSON.stringify(body));
      } catch (error) {
        console.error("[baseline]", error);
        res.writeHead(500).end();
      }
    })();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1", () => process.stdout.write(`listening ${port}\n`));
}

async function main() {
  const handle = await open();
  if (mode === "seed") {
    await migrateDatabase(handle);
    const seeded = await seed(handle.db);
    await handle.close();
    process.stdout.write(`${JSON.stringify(seeded)}\n`);
    return;
  }
  if (mode === "serve") {
    serve(handle.db, Number(portArg), userIdArg!);
    const stop = () => void handle.close().finally(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
