import * as E from "fp-ts/lib/Either.js";
import type { Tag } from "../../domain/types.js";
import type { ServiceError } from "../errors.js";
import { commandOnSecret } from "../lookup.js";
import type { Service } from "../service.js";

/** A tag as the request carries it (the model marks both members optional). */
export type TagInput = { readonly Key?: string; readonly Value?: string };

export type TagResourceInput = { readonly SecretId: string; readonly Tags: ReadonlyArray<TagInput> };

export const toTag = (tag: TagInput): Tag => ({ Key: tag.Key ?? "", Value: tag.Value ?? "" });

/** TagResource: adds tags, or changes the value of those the secret has. */
export const tagResource = async (service: Service, input: TagResourceInput): Promise<E.Either<ServiceError, null>> =>
  E.map(() => null)(
    await commandOnSecret(service, input.SecretId, "TagResource", (now) => ({
      type: "TagResource",
      data: { tags: input.Tags.map(toTag), now },
    })),
  );
