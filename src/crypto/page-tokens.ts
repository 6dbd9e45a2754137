import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * NextToken values: opaque, and bound by an HMAC to the listing they continue (its query), so a token cannot
 * be forged, edited, or replayed against another listing: such a token is simply not valid.
 */
export class PageTokens {
  /** A key of their own, derived from the keyring (Keyring.derivedKey). */
  constructor(private readonly key: Buffer) {}

  issue(query: string, cursor: unknown): string {
    const payload = Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
    return `${payload}.${this.mac(query, payload)}`;
  }

  /** The cursor a token carries, or undefined when the token is not one this service issued for `query`. */
  read(query: string, token: string): unknown {
    const [payload, mac, ...rest] = token.split(".");
    if (payload === undefined || mac === undefined || rest.length > 0) return undefined;
    const expected = Buffer.from(this.mac(query, payload), "utf8");
    const given = Buffer.from(mac, "utf8");
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  }

  private mac(query: string, payload: string): string {
    return createHmac("sha256", this.key).update(query).update("\n").update(payload).digest("base64url");
  }
}
