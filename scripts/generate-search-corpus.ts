/**
 * Fills a migrated database with the search benchmark's corpus (`npm run bench:search`): one user with N calls
 * of 30 minutes (default 10 000), each with S transcript segments (default 300–500, about 4 million rows for
 * 10 000 calls), a summary and three action items — and a second user with a tenth of that, so every query
 * has to filter by user. All generated inside the database (`INSERT … SELECT` over `generate_series`, seeded
 * `random()`), the same SQL on PostgreSQL and PGlite.
 *
 *   tsx scripts/generate-search-corpus.ts --database-url postgres://postgres@127.0.0.1:5432/search [--calls 10000]
 *
 * Vocabulary: words are drawn with Zipf's law (rank r with probability ∝ 1/r, the shape of real speech) from
 * ~350 common conversational words (stop words first), ~300 business words, then 6 000 made-up product and
 * place names for the long tail ("rare" words). Segments are 6–30 words, one speaker each, back to back over
 * the 30 minutes. Search rows are inserted with the indexes dropped and rebuilt afterwards (as a bulk load
 * should); the schema ends exactly as the migration made it.
 */
import { pathToFileURL } from "node:url";
import { rawExecutor, type Exec } from "./generate-scale";

export interface SearchCorpusOptions {
  calls: number;
  /** Segments per call: min..max (default 300..500). */
  minSegments?: number;
  maxSegments?: number;
  otherCalls?: number;
  seed?: number;
  log?: (message: string) => void;
}

const COMMON =
  "the and i you to a that it of is we so in yeah for this on just like be have but what know do think not they was with can are if at it's right okay there um well about all get going one my me that's or us would no as go um our don't see how more an would then because out up some time from i'm do when them could yes now your want really which will need any by also been their sure were here he she say thing things something good great did maybe let's those got make through other even only much look lot way kind back over who next mean actually two still little where people day week work first new into very these talk should many same last why most take said put give before three probably already tell call again around down part year done different find doing while bit point come every might its pretty another since able help try long between each both keep hear start thank thanks hi hello bye afternoon morning today tomorrow yesterday monday tuesday wednesday thursday friday end place number send sent sounds perfect exactly absolutely definitely basically totally quite enough else ever always never often sometimes usually soon later early late quick quickly small big large huge best better worse sorry please agree understand question questions answer happy glad worry worried check checking follow following update updates"
    .split(" ");
const BUSINESS =
  "budget budgets pricing price prices quote quotes invoice invoices contract contracts renewal renewals proposal proposals discount discounts customer customers client clients account accounts team teams manager managers project projects timeline timelines deadline deadlines meeting meetings demo demos onboarding integration integrations feature features release releases roadmap product products service services support ticket tickets issue issues bug bugs fix fixes migration data report reports dashboard dashboards analytics revenue margin margins cost costs forecast forecasts quarter quarterly annual monthly license licenses seat seats subscription subscriptions plan plans tier enterprise startup partner partners partnership vendor vendors procurement legal security compliance audit audits review reviews approval approvals signature signed order orders shipment shipping delivery deliveries warehouse inventory supply chain logistics schedule scheduled calendar agenda notes minutes summary action items owner owners priority priorities risk risks blocker blockers dependency dependencies estimate estimates scope requirements specification spec design prototype pilot trial rollout launch campaign marketing sales pipeline lead leads prospect prospects opportunity opportunities negotiation terms payment payments refund refunds credit billing finance accounting payroll hiring candidate candidates interview interviews offer offers training workshop webinar conference travel office remote hybrid headcount bonus equity valuation investor investors board slides deck spreadsheet email emails phone video recording transcript feedback survey churn retention upsell expansion performance latency outage incident downtime uptime backup server servers cloud api sso login password permissions admin users mobile app website checkout cart warranty repair replacement installation maintenance".split(
    " ",
  );
const SYLLABLES = ["ka", "lo", "ve", "tri", "zan", "mor", "qui", "bel", "dra", "nix", "pol", "ser", "tu", "vex", "ar", "on", "ia", "el", "ru", "sta", "gor", "lin", "mey", "cha", "dos", "fen", "hal", "jor", "kiv", "nam"];

/** Deterministic made-up names for the long tail ("velantrix", "kaloser"). */
function tailWords(count: number): string[] {
  const words = new Set<string>();
  let state = 12345;
  const next = () => {
    // xorshift32 (exact in 32-bit integers; a float LCG loses bits and cycles early)
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  while (words.size < count) {
    const parts = 2 + (next() % 3);
    let word = "";
    for (let i = 0; i < parts; i++) word += SYLLABLES[next() % SYLLABLES.length];
    words.add(word);
  }
  return [...words];
}

export function searchVocabulary(): string[] {
  return [...new Set([...COMMON, ...BUSINESS, ...tailWords(6000)])];
}

const sqlArray = (words: string[]) => `array[${words.map((word) => `'${word.replace(/'/g, "''")}'`).join(",")}]::text[]`;

const DROPPED_INDEXES = [
  ["call_search_entries_tsv_idx", `create index "call_search_entries_tsv_idx" on "call_search_entries" using gin ("tsv")`],
  ["call_search_entries_user_recorded_idx", `create index "call_search_entries_user_recorded_idx" on "call_search_entries" using btree ("user_id","recorded_at","call_id")`],
  ["call_search_entries_call_kind_idx", `create index "call_search_entries_call_kind_idx" on "call_search_entries" using btree ("call_id","kind")`],
] as const;

/**
 * Words are drawn by Zipf's law (rank r with probability ∝ 1/r: floor(exp(random() · ln N))) and looked up in a
 * vocabulary table by rank (a hash join); a stored array would be de-toasted whole for every word drawn.
 */
let VOCAB = "";
let VOCAB_SIZE = 0;
const wordAt = (expression: string) => `(${VOCAB})[${expression}]`;

async function fillUser(exec: Exec, userId: string, calls: number, options: SearchCorpusOptions, tag: string) {
  const min = options.minSegments ?? 300;
  const max = options.maxSegments ?? 500;
  const log = options.log ?? (() => {});
  const threeYears = 3 * 365 * 24 * 3600;
  await exec(`
    insert into call_records (user_id, title, contact_name, organization, direction, recorded_at, duration_seconds, status, created_at, updated_at)
    select '${userId}', 'Call ' || i || ' about ' || ${wordAt("1 + (i * 7919) % 300 + 350")},
           'Contact ' || (i % 500), 'Org ' || (i % 120), 'OUTGOING', now() - make_interval(secs => i * ${threeYears / calls}),
           1800, 'COMPLETED', now() - make_interval(secs => i * ${threeYears / calls}), now()
      from generate_series(1, ${calls}) as i`);
  // Segments in batches of calls, so progress shows and no statement holds everything.
  const ids = `(select id, recorded_at, row_number() over (order by id) as n from call_records where user_id = '${userId}')`;
  const batch = 250;
  for (let from = 1; from <= calls; from += batch) {
    // Each word: a Zipf rank drawn per row, then looked up in the vocabulary table (a hash join).
    await exec(`
      insert into call_search_entries (user_id, call_id, kind, segment_id, speaker_id, speaker_label, start_ms, end_ms, text, recorded_at)
      select '${userId}', p.id, 'segment', 's' || lpad(p.g::text, 4, '0'), case when p.g % 2 = 0 then 'S2' else 'S1' end,
             case when p.g % 2 = 0 then 'Speaker 2' else 'Speaker 1' end,
             ((p.g - 1) * 1800000 / p.segments)::int, (p.g * 1800000 / p.segments)::int - 200,
             string_agg(v.word, ' ' order by p.w), p.recorded_at
        from (
          select c.id, c.recorded_at, c.segments, g, w, least(${VOCAB_SIZE}, floor(exp(random() * ln(${VOCAB_SIZE})))::int) as r
            from (select ids.*, ${min} + (ids.n * 7) % ${max - min + 1} as segments from ${ids} ids where ids.n between ${from} and ${from + batch - 1}) c
            cross join lateral generate_series(1, c.segments) as g
            cross join lateral generate_series(1, 6 + ((g * 31 + c.n) % 25)) as w
          offset 0
        ) p
        join bench_search_vocab v on v.rank = p.r
       group by p.id, p.recorded_at, p.segments, p.g`);
    log(`${tag}: segments of calls ${from}–${Math.min(calls, from + batch - 1)}`);
  }
  await exec(`
    insert into call_search_entries (user_id, call_id, kind, text, recorded_at)
    select '${userId}', p.id, 'summary', string_agg(v.word, ' ' order by p.w), p.recorded_at
      from (
        select c.id, c.recorded_at, w, least(${VOCAB_SIZE}, floor(exp(random() * ln(${VOCAB_SIZE})))::int) as r
          from ${ids} c cross join lateral generate_series(1, 40 + c.n % 30) as w
        offset 0
      ) p
      join bench_search_vocab v on v.rank = p.r
     group by p.id, p.recorded_at`);
}

/** Three action items per call of the user, through the table (exported for re-running this step alone). */
export async function addActionItems(exec: Exec, userId: string) {
  if (!VOCAB) {
    const words = searchVocabulary();
    VOCAB = sqlArray(words);
    VOCAB_SIZE = words.length;
  }
  const ids = `(select id, recorded_at, row_number() over (order by id) as n from call_records where user_id = '${userId}')`;
  // Action items through the table (the triggers index them, as in the app).
  await exec(`
    insert into action_items (call_record_id, title, owner_speaker_id, owner_speaker_label, source_segment_ids_json)
    select c.id, 'Send the ' || ${wordAt("351 + (c.n * 13 + k * 101) % 300")} || ' to ' ||
                 ${wordAt(`651 + (c.n * 17 + k) % ${VOCAB_SIZE - 651}`)},
           'S1', 'Speaker 1', jsonb_build_array('s' || lpad((1 + (c.n + k * 50) % 300)::text, 4, '0'))
      from ${ids} c cross join generate_series(1, 3) as k`);
}

/** The corpus for one user (and a tenth for another); then ANALYZE, as autovacuum would on a live database. */
export async function generateSearchCorpus(
  exec: Exec,
  query: (text: string) => Promise<{ id: string }[]>,
  options: SearchCorpusOptions,
): Promise<{ userId: string; otherUserId: string }> {
  const words = searchVocabulary();
  await exec(`select setseed(${options.seed ?? 0.42})`);
  VOCAB = sqlArray(words);
  VOCAB_SIZE = words.length;
  await exec(`drop table if exists bench_search_vocab`);
  await exec(`create table bench_search_vocab as select r::int as rank, word from unnest(${VOCAB}) with ordinality as u(word, r)`);
  await exec(`alter table bench_search_vocab add primary key (rank)`);
  await exec(`analyze bench_search_vocab`);
  const [user] = await query(`insert into users (external_user_id, display_name) values ('search-bench-a', 'Avery Search') returning id`);
  const [other] = await query(`insert into users (external_user_id, display_name) values ('search-bench-b', 'Blake Other') returning id`);
  if (!user || !other) throw new Error("could not create the users");
  for (const [name] of DROPPED_INDEXES) await exec(`drop index if exists "${name}"`);
  await fillUser(exec, user.id, options.calls, options, "user A");
  await fillUser(exec, other.id, options.otherCalls ?? Math.max(1, Math.round(options.calls / 10)), options, "user B");
  await exec(`set maintenance_work_mem = '512MB'`).catch(() => undefined);
  for (const [name, create] of DROPPED_INDEXES) {
    options.log?.(`building ${name}`);
    await exec(create);
  }
  await addActionItems(exec, user.id);
  await addActionItems(exec, other.id);
  await exec(`drop table bench_search_vocab`);
  await exec("vacuum analyze call_search_entries");
  await exec("vacuum analyze call_records");
  await exec("vacuum analyze action_items");
  return { userId: user.id, otherUserId: other.id };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main() {
  const { openDatabase, migrateDatabase } = await import("../db/client");
  const databaseUrl = argument("database-url");
  const pgliteDir = argument("pglite");
  if (!databaseUrl && !pgliteDir) throw new Error("give --database-url <url> or --pglite <dir>");
  const calls = Number(argument("calls") ?? 10_000);
  const handle = await openDatabase({ databaseUrl, pgliteDir, maxConnections: 1 });
  await migrateDatabase(handle);
  const started = performance.now();
  const { exec, query } = await rawExecutor(handle);
  const users = await generateSearchCorpus(exec, query, { calls, log: (message) => console.log(message) });
  console.log(`generated ${calls} calls for ${users.userId} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await handle.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
