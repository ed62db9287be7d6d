/**
 * Fills a migrated database with a large, realistic data set for the scale benchmark (`npm run bench:scale`):
 * one user with N calls (default 100 000) and M action items (default 300 000), and a second user with a
 * fifth of that interleaved in time, so every query has to filter by user. Generated inside the database
 * (`INSERT … SELECT` over `generate_series`, seeded `random()`), so 100 000 calls take seconds on PostgreSQL
 * and the same SQL runs on PGlite.
 *
 *   tsx scripts/generate-scale.ts --database-url postgres://postgres@127.0.0.1:5432/scale [--calls 100000 --items 300000]
 *   tsx scripts/generate-scale.ts --pglite .data-scale/pglite --calls 20000 --items 60000
 *
 * The database is migrated first. Data: calls spread over the last three years (newest first by created_at,
 * recorded a few minutes before upload), 95 % COMPLETED and the rest FAILED / QUEUED / PROCESSING / UPLOADING,
 * titles from a dozen templates over 240 organisations and 1 600 contact names; items on completed calls only,
 * about 30 % OPEN, 8 % SNOOZED (until a future date), 62 % DONE, two thirds with a due date 1–21 days after
 * the call, 45 % owned by the user (SELF).
 */
import { pathToFileURL } from "node:url";

/** Runs one SQL statement (text only); the generator needs nothing else from a driver. */
export type Exec = (text: string) => Promise<unknown>;

export interface ScaleOptions {
  calls: number;
  items: number;
  /** The second user's share (default: a fifth of each). */
  otherCalls?: number;
  otherItems?: number;
  /** random() seed, -1..1. */
  seed?: number;
}

export interface ScaleUsers {
  userId: string;
  otherUserId: string;
}

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Carlos", "Dana", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kenji", "Lucia", "Marek", "Noor"];
const LAST = ["Abbott", "Becker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito", "Jansen", "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Ulrich", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Andersen", "Brennan", "Costa", "Dalton", "Esposito", "Ferreira", "Gallagher", "Horvath", "Iyer", "Jovanovic", "Keller", "Lindqvist", "Mendes", "Novak"];
const ORG_A = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay", "Soylent", "Cyberdyne", "Tyrell", "Aperture", "Massive", "Oscorp", "Pied Piper", "Monarch", "Gringotts", "Nakatomi", "Dunder", "Prestige", "Sirius", "Blue Sun", "Ollivander", "Rekall", "Veridian", "Northwind", "Contoso", "Fabrikam", "Tailspin"];
const ORG_B = ["Inc", "Labs", "Systems", "Logistics", "Health", "Capital", "Foods", "Energy"];
const TITLE = [
  "Discovery call with {org}",
  "{org} quarterly business review",
  "Follow-up with {contact}",
  "{contact} ({org}) renewal",
  "Pricing questions from {org}",
  "Onboarding session: {org}",
  "Support escalation for {contact}",
  "Demo for {org}",
  "Contract negotiation with {contact}",
  "Weekly sync with {org}",
  "Intro call: {contact}",
  "{org} implementation check-in",
];
const ITEM = [
  "Send the revised proposal",
  "Share the pricing sheet",
  "Schedule a follow-up demo",
  "Loop in legal on the contract",
  "Email the onboarding checklist",
  "Confirm the delivery date",
  "Prepare the quarterly report",
  "Book a call with the CFO",
  "Fix the invoice address",
  "Send meeting notes",
  "Check the SSO integration",
  "Draft the statement of work",
  "Reply about the discount",
  "Update the CRM record",
  "Ask for the signed order form",
  "Set up a trial account",
];

const array = (values: string[]) => `array[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(",")}]::text[]`;

/** `pick(arr, expr)`: arr[1 + expr mod len], for an integer expression. */
const pick = (values: string[], index: string) => `(${array(values)})[1 + ((${index}) % ${values.length})]`;

/** Inserts one user's calls and items. Returns nothing; all in SQL. */
async function fillUser(exec: Exec, userId: string, calls: number, items: number, spreadSeconds: number, tag: string): Promise<void> {
  // Call i: created i * step seconds ago (newest is i = 1), with jitter.
  const step = spreadSeconds / calls;
  const contact = `${pick(FIRST, "c")} || ' ' || ${pick(LAST, "c / 40")}`;
  const org = `${pick(ORG_A, "o")} || ' ' || ${pick(ORG_B, "o / 30")}`;
  const title = `replace(replace(${pick(TITLE, "t")}, '{org}', ${org}), '{contact}', ${contact})`;
  await exec(`
    insert into call_records (user_id, title, contact_name, contact_id, phone_number, organization, direction, recorded_at,
                              duration_seconds, status, error_reason, created_at, updated_at)
    select '${userId}', ${title}, ${contact}, 'crm-${tag}-' || c, '+1555' || lpad((c * 7919 % 10000000)::text, 7, '0'), ${org},
           (array['INCOMING','OUTGOING','UNKNOWN']::call_direction[])[1 + (i % 3)],
           created - make_interval(secs => 60 + (r2 * 3600)::int),
           30 + (r2 * 3570)::int,
           s.status::call_status,
           case when s.status = 'FAILED' then 'TRANSCRIPTION_FAILED' end,
           created, created
      from (
        select i, now() - make_interval(secs => i * ${step} + random() * ${step * 0.9}) as created,
               (random() * 1600)::int as c, (random() * 240)::int as o, (random() * 1200)::int as t, random() as r2,
               random() as r3
          from generate_series(1, ${calls}) as i
      ) g
      cross join lateral (
        select case when g.r3 < 0.95 then 'COMPLETED' when g.r3 < 0.97 then 'FAILED' when g.r3 < 0.98 then 'QUEUED'
                    when g.r3 < 0.99 then 'PROCESSING' else 'UPLOADING' end as status
      ) s`);
  // Items on completed calls only, spread evenly: item k belongs to completed call floor((k - 1) * C / M).
  await exec(`
    insert into action_items (call_record_id, title, description, due_date, priority, status, owner_speaker_id, owner_speaker_label,
                              owner_display_name, owner_role, source_segment_ids_json, source_text, created_at, updated_at,
                              completed_at, snoozed_until, origin, user_modified_at)
    select c.id, ${pick(ITEM, "(random() * 1600)::int")},
           case when r1 < 0.3 then 'Mentioned near the end of the call.' end,
           case when r2 < 0.66 then (c.recorded_at + make_interval(days => 1 + (r3 * 20)::int))::date end,
           (array['low','medium','high']::action_item_priority[])[1 + (k % 3)],
           st.status::action_item_status,
           'spk_' || (k % 2), 'Speaker ' || (1 + k % 2),
           case when role = 'SELF' then 'You' when role = 'COUNTERPARTY' then c.contact_name end,
           role::speaker_role,
           jsonb_build_array('seg_' || (k * 13 % 400)), 'We will take care of that by next week.',
           c.created_at + make_interval(secs => 600 + k % 60), c.created_at + make_interval(secs => 600 + k % 60),
           case when st.status = 'DONE' then c.created_at + make_interval(days => 1 + (r3 * 20)::int) end,
           case when st.status = 'SNOOZED' then now() + make_interval(days => 1 + (r3 * 30)::int) end,
           (case when r4 < 0.05 then 'MANUAL' else 'GENERATED' end)::action_item_origin,
           case when r4 < 0.05 or st.status <> 'OPEN' then c.created_at + make_interval(days => 1) end
      from (
        select k, ((k - 1)::bigint * (select count(*) from call_records where user_id = '${userId}' and status = 'COMPLETED') / ${items})::int + 1 as n,
               random() as r1, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6
          from generate_series(1, ${items}) as k
      ) g
      join (
        select id, recorded_at, created_at, contact_name, row_number() over (order by created_at) as n
          from call_records where user_id = '${userId}' and status = 'COMPLETED'
      ) c using (n)
      cross join lateral (
        select case when g.r5 < 0.30 then 'OPEN' when g.r5 < 0.38 then 'SNOOZED' else 'DONE' end as status,
               case when g.r6 < 0.45 then 'SELF' when g.r6 < 0.85 then 'COUNTERPARTY' when g.r6 < 0.90 then 'OTHER' else 'UNKNOWN' end as role
      ) st`);
}

/** Two users and their rows; then ANALYZE and VACUUM, as autovacuum would have done on a live database. */
export async function generateScale(exec: Exec, query: (text: string) => Promise<{ id: string }[]>, options: ScaleOptions): Promise<ScaleUsers> {
  const otherCalls = options.otherCalls ?? Math.round(options.calls / 5);
  const otherItems = options.otherItems ?? Math.round(options.items / 5);
  await exec(`select setseed(${options.seed ?? 0.42})`);
  const [user] = await query(
    `insert into users (external_user_id, email, display_name) values ('scale-user-a', 'avery@example.test', 'Avery Scale') returning id`,
  );
  const [other] = await query(
    `insert into users (external_user_id, email, display_name) values ('scale-user-b', 'blake@example.test', 'Blake Other') returning id`,
  );
  if (!user || !other) throw new Error("could not create the users");
  const threeYears = 3 * 365 * 24 * 3600;
  await fillUser(exec, user.id, options.calls, options.items, threeYears, "a");
  await fillUser(exec, other.id, otherCalls, otherItems, threeYears, "b");
  await exec("vacuum analyze call_records");
  await exec("vacuum analyze action_items");
  await exec("vacuum analyze users");
  return { userId: user.id, otherUserId: other.id };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main() {
  const { migrateDatabase, openDatabase } = await import("../db/client");
  const databaseUrl = argument("database-url");
  const pgliteDir = argument("pglite");
  if (!databaseUrl && !pgliteDir) throw new Error("give --database-url <url> or --pglite <dir>");
  const calls = Number(argument("calls") ?? 100_000);
  const items = Number(argument("items") ?? 300_000);
  const handle = await openDatabase({ databaseUrl, pgliteDir, maxConnections: 1 });
  await migrateDatabase(handle);
  const started = performance.now();
  const { exec, query } = await rawExecutor(handle);
  const users = await generateScale(exec, query, { calls, items });
  console.log(`generated ${calls} calls and ${items} items for ${users.userId} (and a fifth for ${users.otherUserId}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await handle.close();
}

/** exec/query on a drizzle handle of either driver (one connection, so setseed holds). */
export async function rawExecutor(handle: { db: { execute(query: unknown): Promise<unknown> } }) {
  const { sql } = await import("drizzle-orm");
  const rows = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
  return {
    exec: (text: string) => handle.db.execute(sql.raw(text)),
    query: async (text: string) => rows(await handle.db.execute(sql.raw(text))),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
