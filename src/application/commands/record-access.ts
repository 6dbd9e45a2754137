import { dayOf } from "../../domain/decider.js";
import type { Version } from "../../domain/state.js";
import { prepared } from "../handle-command.js";
import type { Service } from "../service.js";

/** Records the day of a read (LastAccessedDate), unless this version was read today already: no lock, no append. */
export const recordAccess = async (service: Service, name: string, version: Version): Promise<void> => {
  if (version.lastAccessedDay === dayOf(service.clock())) return;
  try {
    await service.commands.handleCommand(name, { kind: "name", name }, "RecordAccess", (_state, now) =>
      prepared({ type: "RecordAccess", data: { versionId: version.versionId, now } }),
    );
  } catch (e) {
    service.onBackgroundError("recording LastAccessedDate", e);
  }
};
