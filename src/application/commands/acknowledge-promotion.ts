import { prepared } from "../handle-command.js";
import type { Service } from "../service.js";

/**
 * A replica region reports that it promoted its replica of `secretName`: the secret is no longer replicated
 * there (if the report is about this secret, and about the region's addition now in force).
 */
export const acknowledgePromotion = async (
  service: Service,
  secretName: string,
  region: string,
  report: { readonly arn: string; readonly addedAt: number },
): Promise<void> => {
  const state = service.catalog.entry(secretName).state;
  if (state.status !== "active" || state.arn !== report.arn) return;
  await service.commands.handleCommand(
    secretName,
    { kind: "name", name: secretName },
    "RemoveRegionsFromReplication",
    (_s, now) =>
      prepared({
        type: "RemoveRegionsFromReplication",
        data: { regions: [region], promoted: { addedAt: report.addedAt }, now },
      }),
  );
};
