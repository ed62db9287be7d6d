import { lookup as dnsLookup } from "node:dns";
import net from "node:net";

/**
 * What a webhook may be sent to. Only http(s), and — unless the server allows it
 * (SCRYON_WEBHOOKS_ALLOW_PRIVATE) — no address inside a private, loopback, link-local, unique-local, CGNAT,
 * metadata, multicast or reserved range: a user must not be able to make the server call its own network.
 * The check runs on the addresses the host resolves to, when the endpoint is saved and again on every
 * connection (lib/webhooks/send.ts), so a name that later resolves elsewhere (DNS rebinding) is refused too.
 */

const blockedV4 = new net.BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, "ipv4");
}

const blockedV6 = new net.BlockList();
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments (Teredo, ORCHID…)
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4 (embeds an IPv4 address)
  ["fc00::", 7], // unique-local (incl. fd00:ec2::254, AWS metadata over IPv6)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  blockedV6.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), -compatible or NAT64 (`64:ff9b::/96`) IPv6 address. */
function embeddedV4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:(?:0:)?|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return null;
}

/** Whether an IP address is one webhooks may not reach by default. Anything that is not an IP counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blockedV4.check(address, "ipv4");
  if (family === 6) {
    const inner = embeddedV4(address);
    if (inner) return isBlockedAddress(inner);
    return blockedV6.check(address, "ipv6");
  }
  return true;
}

export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookAddressError";
  }
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** Syntax only: an absolute http(s) URL without credentials. Throws WebhookAddressError with a message for the user. */
export function parseWebhookUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookAddressError("Enter a full URL, such as https://example.com/hooks/scryon.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebhookAddressError("Only http:// and https:// URLs can receive webhooks.");
  if (url.username || url.password) throw new WebhookAddressError("Put credentials in the receiver, not in the URL.");
  if (!url.hostname) throw new WebhookAddressError("The URL has no host.");
  return url;
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const lookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/**
 * The addresses a webhook URL's host resolves to, every one of them allowed; throws WebhookAddressError
 * otherwise (also when the name does not resolve).
 */
export async function resolveAllowedAddresses(url: URL, { allowPrivate, lookup = lookupAll }: { allowPrivate: boolean; lookup?: LookupAll }) {
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) }];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      throw new WebhookAddressError(`The host ${host} could not be resolved.`);
    }
    if (addresses.length === 0) throw new WebhookAddressError(`The host ${host} could not be resolved.`);
  }
  if (!allowPrivate) {
    const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
    if (blocked) {
      throw new WebhookAddressError(
        `${host} resolves to ${blocked.address}, a private, loopback or reserved address; this server does not send webhooks there (SCRYON_WEBHOOKS_ALLOW_PRIVATE).`,
      );
    }
  }
  return addresses;
}
