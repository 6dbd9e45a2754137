import * as E from "fp-ts/lib/Either.js";
import type { Version } from "../../domain/state.js";
import { openSealed } from "../sealing.js";
import type { Service } from "../service.js";

/**
 * A version's value, whatever its state now (for the forensic view of the log): what it held, or why it can
 * no longer be read: its key was destroyed (pruned or deleted: shredded), or its master key is unavailable.
 */
export const openVersion = async (
  service: Service,
  arn: string,
  version: Version,
): Promise<
  | { readonly SecretString?: string; readonly SecretBinary?: string }
  | { readonly unavailable: "shredded" | "key unavailable" | "empty" }
> => {
  if (version.value === undefined) return { unavailable: "empty" };
  if ((await service.keys.get(arn, version.versionId)) === undefined) return { unavailable: "shredded" };
  const plaintext = await openSealed(service, { arn, versionId: version.versionId }, version.value);
  if (E.isLeft(plaintext)) return { unavailable: "key unavailable" };
  return version.value.kind === "string"
    ? { SecretString: plaintext.right.toString("utf8") }
    : { SecretBinary: plaintext.right.toString("base64") };
};
