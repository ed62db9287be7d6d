// Serves a JWKS for e2e runs, like Google's securetoken endpoint, and writes the private key where
// the tests can sign Firebase-shaped ID tokens with it.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { exportJWK, generateKeyPair } from "jose";

const port = Number(process.env.JWKS_PORT ?? 3211);
const keyFile = process.env.JWKS_KEY_FILE ?? ".data/e2e-signing-key.json";

const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
const kid = "e2e-key-1";
const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
fs.mkdirSync(path.dirname(keyFile), { recursive: true });
fs.writeFileSync(keyFile, JSON.stringify({ kid, privateJwk: await exportJWK(privateKey) }));

http
  .createServer((request, response) => {
    if (request.url === "/jwks") {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=3600" });
      response.end(JSON.stringify({ keys: [publicJwk] }));
    } else if (request.url === "/health") {
      response.writeHead(200).end("ok");
    } else {
      response.writeHead(404).end();
    }
  })
  .listen(port, "127.0.0.1", () => console.log(`e2e JWKS on http://127.0.0.1:${port}/jwks`));
