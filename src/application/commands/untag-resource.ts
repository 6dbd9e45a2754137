import * as E from "fp-ts/lib/Either.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

export type UntagResourceInput = { readonly SecretId: string; readonly TagKeys: ReadonlyArray<string> };

/** UntagResource: removes the tags with these keys. */
export const untagResource = async (
  service: Service,
  input: UntagResourceInput,
): Promise<E.Either<ServiceError, null>> =>
  E.map(() => null)(
    await commandOnSecret(service, input.SecretId, "UntagResource", (now) => ({
      type: "UntagResource",
      data: { tagKeys: input.TagKeys, now },
    })),
  );
