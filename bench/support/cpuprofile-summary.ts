/**
 * Summarises V8 .cpuprofile files (`BENCH_CPU_PROF=<dir> npm run bench:api` runs the app with --cpu-prof):
 * self time by area (Auth.js/jose, the database client, drizzle, Next's server, React, zod, Node's HTTP, GC,
 * idle) and the heaviest functions, with inclusive time for a few entry points.
 *
 *   npx tsx bench/support/cpuprofile-summary.ts [--skip <seconds>] <dir-or-file>...
 *
 * --skip leaves out the first seconds of each profile (the server's boot, migrations, first compiles).
 */
import fs from "node:fs";
import path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const AREAS: [string, RegExp][] = [
  ["(idle)", /^\(idle\)$/],
  ["(garbage collector)", /^\(garbage collector\)$/],
  ["(program)", /^\(program\)$/],
  ["Auth.js / jose (session decode/encode)", /next-auth|@auth[/+]core|[/+]jose[@/]|oauth4webapi|@panva/],
  ["postgres.js", /node_modules[/+]postgres[/@]/],
  ["PGlite", /@electric-sql/],
  ["drizzle-orm", /drizzle-orm/],
  ["zod", /[/+]zod[/@]/],
  ["React (server)", /react-dom|react-server|[/+]react[/@]/],
  ["Next.js server", /next[/+]dist|[/+]next@|\.next[^/]*\/server/],
  ["Node internals (http, streams, crypto…)", /^node:|^internal[/:]|^$/],
];

function areaOf(frame: CallFrame): string {
  const key = frame.url || frame.functionName;
  for (const [name, pattern] of AREAS) {
    if (pattern.test(name.startsWith("(") ? frame.functionName : key)) return name;
  }
  if (/\.next[^/]*\/server\/chunks/.test(frame.url)) return "app code (server chunks)";
  return `other: ${path.basename(frame.url) || frame.functionName}`;
}

function files(args: string[]): string[] {
  return args.flatMap((arg) =>
    fs.statSync(arg).isDirectory()
      ? fs.readdirSync(arg, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(arg, f))
      : [arg],
  );
}

function summarise(file: string, skipSeconds: number) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  // Drop the samples of the first `skipSeconds` (timeDeltas are µs since the previous sample).
  let at = profile.startTime;
  const keep = profile.samples.map((_, i) => (at += profile.timeDeltas[i] ?? 0) >= profile.startTime + skipSeconds * 1e6);
  profile.samples = profile.samples.filter((_, i) => keep[i]);
  profile.timeDeltas = profile.timeDeltas.filter((_, i) => keep[i]);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const fn = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(\.next[^/]*)/, "$1")}:${frame.lineNumber}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
  }
  const busy = total - (areas.get("(idle)") ?? 0);
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
  console.log("  self time by area (share of busy time):");
  for (const [area, micros] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 18)) {
    if (area === "(idle)") continue;
    console.log(`    ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${area}`);
  }
  console.log("  heaviest functions (self):");
  for (const [fn, micros] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    if (fn.startsWith("(idle)")) continue;
    console.log(`    ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${fn.slice(0, 150)}`);
  }
  // Inclusive time by code on the stack: a sample counts once per area found anywhere on its stack.
  const INCLUSIVE: [string, (frame: CallFrame) => boolean][] = [
    ["Auth.js / jose anywhere on the stack", (f) => /next-auth|@auth[/+]core|[/+]jose[@/]/.test(f.url)],
    ["node:crypto anywhere on the stack", (f) => /crypto/.test(f.url)],
    ["postgres.js anywhere on the stack", (f) => /node_modules[/+]postgres[/@]/.test(f.url)],
    ["PGlite anywhere on the stack", (f) => /@electric-sql/.test(f.url)],
    ["drizzle-orm anywhere on the stack", (f) => /drizzle-orm/.test(f.url)],
    ["zod anywhere on the stack", (f) => /[/+]zod[/@]/.test(f.url)],
    ["JSON.stringify anywhere on the stack", (f) => f.functionName === "stringify" || /serializeJavascriptValueToJSONString/.test(f.functionName)],
  ];
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === "(idle)") return;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      for (const [label, test] of INCLUSIVE) if (test(frame)) seen.add(label);
    }
    for (const label of seen) inclusive.set(label, (inclusive.get(label) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log("  inclusive (share of busy time):");
  for (const [label] of INCLUSIVE) console.log(`    ${((100 * (inclusive.get(label) ?? 0)) / busy).toFixed(1).padStart(5)} %  ${label}`);
}

const argv = process.argv.slice(2);
const skipAt = argv.indexOf("--skip");
const skip = skipAt >= 0 ? Number(argv.splice(skipAt, 2)[1]) : 0;
for (const file of files(argv)) summarise(file, skip);
