import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { Authorizer, Caller } from "../access/authorizer.js";
import { openVersion } from "../application/queries/open-version.js";
import type { Service } from "../application/service.js";
import type { ActiveSecret } from "../domain/state.js";
import { parseLogPoint, secretHistory, stateAt, stateAtAnswer, stateView, verifyLive } from "../history/queries.js";
import type { EventLog } from "../store/event-log.js";
import { accessDenied, invalidParameter, type AwsError } from "./errors.js";

// The forensic questions as HTTP operations, beside Secrets Manager's: `X-Amz-Target: secretledger.<Operation>`,
// AWS JSON 1.1, SigV4, the same authorization and audit. Their answers are the JSON the command line prints with
// --json. Actions: secretledger:GetSecretHistory, secretledger:GetStateAt and secretledger:VerifyProjection;
// revealing values also needs secretsmanager:GetSecretValue on each secret, as it stands now.

export const LEDGER_TARGET_PREFIX = "secretledger.";

export type LedgerOperation = {
  readonly decode: (json: unknown) => E.Either<AwsError, Record<string, unknown>>;
  readonly run: (input: Record<string, unknown>, caller: Caller) => Promise<E.Either<AwsError, object>>;
  /** Whether the answer carries secret values (it then waits for its audit record). */
  readonly carriesValues: (input: Record<string, unknown>) => boolean;
};

const SecretId = t.refinement(t.string, (s) => s.length >= 1 && s.length <= 2048, "SecretId");
const HistoryInput = t.type({ SecretId });
const StateInput = t.intersection([t.type({ At: t.string }), t.partial({ SecretId, Reveal: t.boolean })]);

/** An input decoded by `codec`, or InvalidParameterException saying what was `expected`. */
export const decodeWith =
  <A extends Record<string, unknown>>(codec: t.Decoder<unknown, A>, expected: string) =>
  (json: unknown): E.Either<AwsError, Record<string, unknown>> =>
    E.mapLeft(() => invalidParameter(`The input must be ${expected}.`))(codec.decode(json));

const FOREIGN = invalidParameter("The SecretId is an ARN of another partition, region or account than this service's.");

export const ledgerOperationsOf = (deps: {
  readonly log: EventLog;
  readonly service: Service;
  readonly authorizer: Authorizer;
  readonly onUnreadable: (seq: number, why: string) => void;
}): Readonly<Record<string, LedgerOperation>> => ({
  VerifyProjection: {
    decode: decodeWith(t.type({}), "{}"),
    carriesValues: () => false,
    run: async (_input, caller) => {
      const refusal = deps.authorizer.authorize(caller, "secretledger:VerifyProjection", undefined);
      if (refusal !== undefined) return E.left(accessDenied(refusal));
      const verified = await verifyLive(deps.log, deps.service.catalog);
      return E.right({
        seq: verified.catalog.checkpoint,
        records: verified.records,
        events: verified.events,
        seconds: verified.seconds,
        agree: verified.differences.length === 0,
        differences: verified.differences,
      });
    },
  },
  GetSecretHistory: {
    decode: decodeWith(HistoryInput, '{"SecretId": <name or ARN>}'),
    carriesValues: () => false,
    run: async (input, caller) => {
      const secretId = input["SecretId"] as string;
      const refusal = deps.authorizer.authorize(caller, "secretledger:GetSecretHistory", secretId);
      if (refusal !== undefined) return E.left(accessDenied(refusal));
      const history = await secretHistory(deps.log, deps.service.home, secretId, deps.onUnreadable);
      return E.bimap(
        () => FOREIGN,
        (entries: object) => ({ Entries: entries }),
      )(history);
    },
  },
  GetStateAt: {
    decode: decodeWith(StateInput, '{"At": <ISO time or log sequence>, "SecretId"?: <id>, "Reveal"?: <boolean>}'),
    carriesValues: (input) => input["Reveal"] === true,
    run: async (input, caller) => {
      const secretId = input["SecretId"] as string | undefined;
      const at = parseLogPoint(input["At"] as string);
      if (at === undefined) return E.left(invalidParameter("At must be an ISO 8601 time or a log sequence."));
      const refusal = deps.authorizer.authorize(caller, "secretledger:GetStateAt", secretId);
      if (refusal !== undefined) return E.left(accessDenied(refusal));
      const folded = await stateAt(deps.log, deps.service.home, at, secretId, deps.onUnreadable);
      if (E.isLeft(folded)) return E.left(FOREIGN);
      const { reached, secrets } = folded.right;
      const views = [];
      for (const secret of secrets)
        views.push(input["Reveal"] === true ? await revealed(deps, caller, secret) : stateView(secret));
      return E.right(stateAtAnswer(at, reached, views));
    },
  },
});

/**
 * A secret as it stood, with each version's value: only for a caller allowed GetSecretValue on the secret as it
 * is now, and only while the version's key exists (a pruned or deleted version's value is shredded).
 */
const revealed = async (
  deps: Parameters<typeof ledgerOperationsOf>[0],
  caller: Caller,
  secret: ActiveSecret,
): Promise<Record<string, unknown>> => {
  const refusal = deps.authorizer.mayRead(caller, secret.arn);
  const values = new Map<string, Record<string, unknown>>();
  for (const version of secret.versions.values())
    values.set(
      version.versionId,
      refusal !== undefined
        ? { valueWithheld: "AccessDeniedException" }
        : await openVersion(deps.service, secret, version),
    );
  return stateView(secret, (versionId) => values.get(versionId) ?? {});
};
