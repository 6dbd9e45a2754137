import type { SecretCatalog } from "../../projections/secret-catalog.js";
import type { CommandLog } from "./ports.js";

/**
 * The log fence: resolves once this server's projection holds every record the log held when it was called,
 * so that a request sees whatever another server on the same log acknowledged before the request began. One
 * question for the log's last sequence serves every request that arrives while none is under way; one that
 * arrives while a question is under way waits for the next (the answer under way may predate it). Only for
 * several servers on one log: one server alone sees its own writes (each waits for its projection).
 */
export const logFence = (log: Pick<CommandLog, "lastSeq">, catalog: SecretCatalog): (() => Promise<void>) => {
  let underWay: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  const logEnd = (): Promise<number> => {
    if (underWay === undefined) {
      underWay = log.lastSeq().finally(() => {
        underWay = undefined;
      });
      return underWay;
    }
    queued ??= underWay
      .catch(() => 0)
      .then(() => {
        queued = undefined;
        return logEnd();
      });
    return queued;
  };
  return async () => {
    await catalog.whenCaughtUp(await logEnd());
  };
};
