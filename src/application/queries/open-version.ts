import * as E from "fp-ts/lib/Either.js";
import { openValue } from "../../crypto/envelope.js";
import type { ActiveSecret, Version } from "../../domain/state.js";
import { usingDataKey } from "../sealing.js";
import type { Service } from "../service.js";

/**
 * A version of `secret` as it stood at some point of the log, with its value, whatever its state now (for the
 * forensic view of the log): what it held, or why it can no longer be read: its key was destroyed (pruned or
 * deleted: shredded), or its master key is unavailable. Its data key is found as the secret keeps it now.
 */
export const openVersion = async (
  service: Service,
  secret: ActiveSecret,
  version: Version,
): Promise<
  | { readonly SecretString?: string; readonly SecretBinary?: string }
  | { readonly unavailable: "shredded" | "key unavailable" | "log unavailable" | "empty" }
> => {
  if (version.value === undefined) return { unavailable: "empty" };
  const read = await service.values.sealed(version.versionId, version.value);
  if (E.isLeft(read)) return { unavailable: "log unavailable" };
  const sealed = read.right;
  const now = service.catalog.entry(secret.name).state;
  const holder = {
    arn: secret.arn,
    ...(now.status === "active" && now.arn === secret.arn ? { keyEpoch: now.keyEpoch } : {}),
  };
  const plaintext = await usingDataKey(service, holder, version.versionId, sealed.key, (dataKey) =>
    openValue(dataKey, sealed, { arn: secret.arn, versionId: version.versionId }),
  );
  if (E.isLeft(plaintext))
    return { unavailable: plaintext.left._tag === "DataKeyDestroyed" ? "shredded" : "key unavailable" };
  return sealed.kind === "string"
    ? { SecretString: plaintext.right.toString("utf8") }
    : { SecretBinary: plaintext.right.toString("base64") };
};
