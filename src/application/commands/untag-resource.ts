import * as E from "fp-ts/lib/Either.js";
import type { ServiceError } from "../errors.js";
import { prepared } from "../handle-command.js";
import { onSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type UntagResourceInput = { readonly SecretId: string; readonly TagKeys: ReadonlyArray<string> };

/** UntagResource: removes the tags with these keys. */
export const untagResource = async (
  service: Service,
  input: UntagResourceInput,
): Promise<E.Either<ServiceError, null>> =>
  E.map(() => null)(
    await onSecret(service, input.SecretId, "UntagResource", (_state, now) =>
      prepared({ type: "UntagResource", data: { tagKeys: input.TagKeys, now } }),
    ),
  );
