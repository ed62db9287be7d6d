/**
 * A throwaway PostgreSQL cluster on its own port, for tests that stop and restart the database under the
 * app (a crash from the app's side: `pg_ctl stop -m immediate`). Uses Debian's server binaries; as root,
 * the tools run as the postgres user (initdb refuses root). Shared by the Vitest suites and e2e/faults.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const isRoot = process.getuid?.() === 0;

function findPgBin(name: string): string | null {
  let versions: string[] = [];
  try {
    versions = fs.readdirSync("/usr/lib/postgresql").sort().reverse();
  } catch {
    return null;
  }
  for (const version of versions) {
    const candidate = path.join("/usr/lib/postgresql", version, "bin", name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Can this machine start a cluster of its own (Linux, initdb and pg_ctl, runuser when root)? */
export function pgClusterAvailable(): boolean {
  return process.platform === "linux" && Boolean(findPgBin("initdb") && findPgBin("pg_ctl")) && (!isRoot || fs.existsSync("/usr/sbin/runuser"));
}

function pg(binary: string, args: string[]): string {
  const [command, commandArgs] = isRoot ? ["/usr/sbin/runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, args];
  return execFileSync(command, commandArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
}

/** A free TCP port on loopback (closed again, for another process to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ThrowawayCluster {
  /** The `postgres` database of the cluster, trust auth. */
  url: string;
  port: number;
  start(): void;
  /** A crash, from the app's side. */
  stopImmediate(): void;
  /** Stops it if running and removes its files. */
  destroy(): void;
}

/** initdb in a temp dir, then start on a free port (fsync off: nothing here must survive the machine). */
export async function createThrowawayCluster(prefix = "scryon-pg-"): Promise<ThrowawayCluster> {
  const initdb = findPgBin("initdb");
  const pgCtl = findPgBin("pg_ctl");
  if (!initdb || !pgCtl) throw new Error("PostgreSQL's server binaries (initdb, pg_ctl) are not installed");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (isRoot) execFileSync("chown", ["postgres", dir]);
  pg(initdb, ["-D", dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const stopImmediate = () => void pg(pgCtl, ["-D", dir, "-m", "immediate", "-w", "stop"]);
  const cluster: ThrowawayCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => void pg(pgCtl, ["-D", dir, "-l", path.join(dir, "server.log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]),
    stopImmediate,
    destroy() {
      try {
        stopImmediate();
      } catch {
        // not running
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
