import type { AccessTarget } from "../../access/authorizer.js";
import { lookup } from "../lookup.js";
import type { Service } from "../service.js";

/** What authorization needs of the secret a SecretId (or CreateSecret's Name) names. */
export const accessTarget = (service: Service, secretId: string): AccessTarget => {
  const state = lookup(service, secretId);
  if (state.status === "active")
    return {
      arn: state.arn,
      shownAs: state.arn,
      tags: state.tags ?? [],
      ...(state.resourcePolicy === undefined ? {} : { resourcePolicy: state.resourcePolicy }),
    };
  const { partition, region, account } = service.home;
  const arn = secretId.startsWith("arn:")
    ? secretId
    : `arn:${partition}:secretsmanager:${region}:${account}:secret:${secretId}`;
  return { arn, shownAs: secretId, tags: [] };
};
