import fs from "node:fs";
import path from "node:path";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RouteMethod {
  /** "METHOD /api/…" with the folder names as written (`[id]`, `[[...path]]`). */
  key: string;
  method: HttpMethod;
  /** `/api/calls/[id]` */
  route: string;
  /** The route file, relative to the project root. */
  file: string;
}

/**
 * Every `app/api/**\/route.ts` with the HTTP methods it exports (tests/api/isolation.test.ts,
 * tests/tokens/*.test.ts): a route or method added without a case in those tests fails them.
 */
export function discoverRouteMethodList(root = "app/api"): RouteMethod[] {
  const found: RouteMethod[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js)$/.test(entry.name)) {
        const route = `/${path.relative("app", dir).split(path.sep).filter((part) => !/^\(.*\)$/.test(part)).join("/")}`;
        const source = fs.readFileSync(full, "utf8");
        const names = new Set<string>();
        for (const match of source.matchAll(/export\s+(?:async\s+)?(?:const|function|let|var)\s+(\w+)/g)) names.add(match[1]!);
        // `export const { GET, POST } = handlers;` and `export { handle as GET, POST };`
        for (const match of source.matchAll(/export\s+(?:const\s+)?\{([^}]*)\}/g)) {
          for (const part of match[1]!.split(",")) {
            const name = part.trim().split(/\s+as\s+/).pop()?.trim();
            if (name) names.add(name);
          }
        }
        for (const name of names) {
          if ((HTTP_METHODS as readonly string[]).includes(name)) found.push({ key: `${name} ${route}`, method: name as HttpMethod, route, file: full });
        }
      }
    }
  };
  walk(root);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

/** The same, as sorted "METHOD /api/…" keys. */
export function discoverRouteMethods(root = "app/api"): string[] {
  return discoverRouteMethodList(root).map((entry) => entry.key);
}
