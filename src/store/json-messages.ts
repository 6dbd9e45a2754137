import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";

// What the store reads back from JetStream as JSON (keys, copies of keys, reports), checked by its codec.

const textOf = (data: string | Uint8Array): string =>
  typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");

/** A message's JSON as `codec` decodes it, or undefined when it is not that (not JSON, or of another shape). */
export const jsonDecoder =
  <A>(codec: t.Decoder<unknown, A>) =>
  (data: string | Uint8Array): A | undefined => {
    try {
      const decoded = codec.decode(JSON.parse(textOf(data)));
      return E.isRight(decoded) ? decoded.right : undefined;
    } catch {
      return undefined;
    }
  };

/**
 * As jsonDecoder, for a codec that converts nothing: the parsed JSON checked with `is` and taken as it is (not
 * built again), where many are read at once.
 */
export const jsonChecker =
  <A>(codec: { is: t.Is<A> }) =>
  (data: string | Uint8Array): A | undefined => {
    try {
      const parsed: unknown = JSON.parse(textOf(data));
      return codec.is(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  };
