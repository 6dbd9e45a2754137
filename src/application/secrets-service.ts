import * as E from "fp-ts/lib/Either.js";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { versionIndex, type CatalogEntry, type SecretCatalog } from "../../projections/secret-catalog.js";
import type { Replication, SecretCommand, VersionPolicy } from "../domain/commands.js";
import { dayOf, decide } from "../domain/decider.js";
import type { CommandRecord, SecretEvent } from "../domain/events.js";
import { arnOf, parseSecretId, selectVersion, type SecretReference } from "../domain/queries.js";
import {
  compareSortKeys,
  matchesFilters,
  sortValue,
  type FilterKey,
  type SecretFilter,
  type SortBy,
  type SortKey,
} from "../domain/search.js";
import { PageTokens } from "../crypto/page-tokens.js";
import { grantsPublicAccess, isPolicyProblem, parsePolicy } from "../domain/resource-policy.js";
import {
  fold,
  initialState,
  labelledVersions,
  stagesOf,
  type ActiveSecret,
  type SecretState,
  type Version,
} from "../domain/state.js";
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type SealedValue,
  type SecretName,
  type StagingLabel,
  type Tag,
  type VersionId,
} from "../domain/types.js";
import {
  DecryptionError,
  newDataKey,
  openValue,
  sealValue,
  unwrapDataKey,
  wrapDataKey,
  type VersionContext,
} from "../crypto/envelope.js";
import type { Keyring } from "../crypto/keyring.js";
import type { EventLog } from "../store/event-log.js";
import type { KeyStore, WrappedDataKey } from "../store/key-store.js";
import type { AccessTarget } from "../access/authorizer.js";
import type { ReplicaSecret } from "../replication/followed-region.js";
import type { ReplicationStatus } from "../replication/replication-monitor.js";
import type { ServiceError } from "./errors.js";
import { KeyedLock } from "./keyed-lock.js";

// Inputs arrive validated against the service model; names follow the AWS shapes they come from.
export type CreateSecretInput = {
  readonly Name: string;
  readonly ClientRequestToken?: string;
  readonly Description?: string;
  readonly KmsKeyId?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
  readonly Tags?: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>;
  readonly AddReplicaRegions?: ReplicateSecretToRegionsInput["AddReplicaRegions"];
  readonly ForceOverwriteReplicaSecret?: boolean;
};
export type ReplicateSecretToRegionsInput = {
  readonly SecretId: string;
  readonly AddReplicaRegions: ReadonlyArray<{ readonly Region?: string; readonly KmsKeyId?: string }>;
  readonly ForceOverwriteReplicaSecret?: boolean;
};
export type RemoveRegionsFromReplicationInput = {
  readonly SecretId: string;
  readonly RemoveReplicaRegions: ReadonlyArray<string>;
};
export type PutSecretValueInput = {
  readonly SecretId: string;
  readonly ClientRequestToken?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
  readonly VersionStages?: ReadonlyArray<string>;
};
export type UpdateSecretVersionStageInput = {
  readonly SecretId: string;
  readonly VersionStage: string;
  readonly MoveToVersionId?: string;
  readonly RemoveFromVersionId?: string;
};
export type UpdateSecretInput = {
  readonly SecretId: string;
  readonly ClientRequestToken?: string;
  readonly Description?: string;
  readonly KmsKeyId?: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
};
export type TagResourceInput = {
  readonly SecretId: string;
  readonly Tags: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>;
};
export type UntagResourceInput = { readonly SecretId: string; readonly TagKeys: ReadonlyArray<string> };
export type DeleteSecretInput = {
  readonly SecretId: string;
  readonly RecoveryWindowInDays?: number;
  readonly ForceDeleteWithoutRecovery?: boolean;
};
export type RestoreSecretInput = { readonly SecretId: string };
export type BatchGetSecretValueInput = {
  readonly SecretIdList?: ReadonlyArray<string>;
  readonly Filters?: NonNullable<ListSecretsInput["Filters"]>;
  readonly MaxResults?: number;
  readonly NextToken?: string;
};

/** A secret's value as GetSecretValue answers it. */
export type SecretValue = {
  readonly ARN: string;
  readonly Name: string;
  readonly VersionId: string;
  readonly SecretString?: string;
  readonly SecretBinary?: Buffer;
  readonly VersionStages: ReadonlyArray<string>;
  readonly CreatedDate: number;
};

/** Each secret asked for, with its value or why it could not be read, and the token for the next page. */
export type SecretValuesBatch = {
  readonly values: ReadonlyArray<{ readonly secretId: string; readonly result: E.Either<ServiceError, SecretValue> }>;
  readonly nextToken?: string;
};

/** What one compaction did (or, dry, would do). */
export type CompactionReport = { readonly secretsPruned: number; readonly versionsPruned: number };

const countPruned = (events: ReadonlyArray<SecretEvent>): number =>
  events.reduce((n, e) => n + (e.type === "VersionsPruned" ? e.data.versionIds.length : 0), 0);

type SecretsPage = { readonly secrets: ReadonlyArray<Served>; readonly nextToken?: string };

/** A secret as this region serves it: its own, or a replica of another region's. */
type Served = { readonly state: ActiveSecret; readonly replica?: ReplicaSecret };

/** The replicas this region serves (those of every region it follows). */
export type Replicas = {
  resolve(reference: SecretReference): ReplicaSecret | undefined;
  all(): Iterable<ReplicaSecret>;
};

export type PutResourcePolicyInput = {
  readonly SecretId: string;
  readonly ResourcePolicy: string;
  readonly BlockPublicPolicy?: boolean;
};
export type ValidateResourcePolicyInput = { readonly SecretId?: string; readonly ResourcePolicy: string };
export type GetSecretValueInput = {
  readonly SecretId: string;
  readonly VersionId?: string;
  readonly VersionStage?: string;
};
export type DescribeSecretInput = { readonly SecretId: string };
export type ListSecretsInput = {
  readonly MaxResults?: number;
  readonly NextToken?: string;
  readonly Filters?: ReadonlyArray<{ readonly Key?: string; readonly Values?: ReadonlyArray<string> }>;
  readonly SortOrder?: string;
  readonly SortBy?: string;
  readonly IncludePlannedDeletion?: boolean;
};
export type ListSecretVersionIdsInput = {
  readonly SecretId: string;
  readonly MaxResults?: number;
  readonly NextToken?: string;
  readonly IncludeDeprecated?: boolean;
};

/** Epoch seconds with millisecond precision: how AWS JSON carries timestamps. */
const seconds = (millis: number): number => millis / 1000;

/** Draws the 6 random characters that end a secret's ARN. */
export type ArnSuffixSource = () => string;

export type Clock = () => number;

type Outcome<T> = Promise<E.Either<ServiceError, T>>;

/** Values that enter a command, before sealing. */
type PlainValue = { readonly kind: SealedValue["kind"]; readonly bytes: Buffer };

const MAX_APPEND_ATTEMPTS = 64;
const DEFAULT_PAGE = 100;
const MAX_SECRETS = 500_000;
/** BatchGetSecretValue returns at most 20 secrets a call. */
const MAX_BATCH = 20;

/**
 * The use cases: each command is decided against the projection's state of one secret and appended with that
 * state's subject sequence as the expected one; the caller gets its answer once its own projection has
 * applied the write. Reads are served from the projection.
 */
/** Makes a secret's command from its state now: with the data keys its new versions are sealed under. */
type Prepare = (
  state: SecretState,
  now: number,
) => Promise<E.Either<ServiceError, { command: SecretCommand; wrappedKeys: ReadonlyArray<WrappedKey> }>>;

/** Who a command is run for: the API request and its caller, recorded with the command in the log. */
export type Actor = { readonly requestId: string; readonly principal: string };

export class SecretsService {
  private readonly locks = new KeyedLock();
  private readonly acting = new AsyncLocalStorage<Actor>();
  private readonly pageTokens: PageTokens;

  constructor(
    private readonly deps: {
      readonly log: EventLog;
      readonly keys: KeyStore;
      readonly catalog: SecretCatalog;
      /** The master keys, as they are now (the keyring file is read again when it changes). */
      readonly keyring: () => Keyring;
      readonly home: { readonly partition: string; readonly region: string; readonly account: string };
      readonly clock: Clock;
      readonly arnSuffix: ArnSuffixSource;
      /** Told of failures the caller is not: recording LastAccessedDate is best effort for a read. */
      readonly onBackgroundError: (what: string, error: unknown) => void;
      /** How many versions a secret keeps and may hold (see VersionPolicy). */
      readonly versionPolicy: VersionPolicy;
      /** AWS's quota of secrets per region (500,000), counting those scheduled for deletion. */
      readonly maxSecrets?: number;
      /** The replicas this region serves, of the secrets of the regions it follows. */
      readonly replicas: Replicas;
      /** How this region's secrets stand in the regions they are replicated to. */
      readonly replicationStatus: (secret: ActiveSecret, subjectSeq: number) => ReadonlyArray<ReplicationStatus>;
      /** Whether requests wait for the projection to reach the log's end first (several servers on one log). */
      readonly logFence: boolean;
      /** Whether NATS is reachable now: while it is not, writes are refused at once, as retryable. */
      readonly storeAvailable: () => boolean;
    },
  ) {
    this.pageTokens = new PageTokens(deps.keyring().derivedKey("page-token"));
  }

  /**
   * The log fence: resolves once this server's projection holds every record the log held when it was called,
   * so that a request sees whatever another server on the same log acknowledged before the request began. One
   * question for the log's last sequence serves every request that arrives while none is under way; one that
   * arrives while a question is under way waits for the next (the answer under way may predate it). Nothing
   * when off (one server alone on its log sees its own writes: each waits for its projection).
   */
  async logFence(): Promise<void> {
    if (!this.deps.logFence) return;
    await this.deps.catalog.whenCaughtUp(await this.logEnd());
  }

  private fenceUnderWay: Promise<number> | undefined;
  private fenceQueued: Promise<number> | undefined;

  private logEnd(): Promise<number> {
    if (this.fenceUnderWay === undefined) {
      this.fenceUnderWay = this.deps.log.lastSeq().finally(() => {
        this.fenceUnderWay = undefined;
      });
      return this.fenceUnderWay;
    }
    this.fenceQueued ??= this.fenceUnderWay
      .catch(() => 0)
      .then(() => {
        this.fenceQueued = undefined;
        return this.logEnd();
      });
    return this.fenceQueued;
  }

  /** Runs `work` on behalf of `actor`: the commands it appends carry the request id and the caller. */
  actingAs<T>(actor: Actor, work: () => Promise<T>): Promise<T> {
    return this.acting.run(actor, work);
  }

  async createSecret(
    input: CreateSecretInput,
  ): Outcome<{ ARN: string; Name: string; VersionId?: string; ReplicationStatus?: ReadonlyArray<ReplicationStatus> }> {
    const name = input.Name as SecretName;
    const token = input.ClientRequestToken as VersionId | undefined;
    const arnForNew = arnOf(this.deps.home, name, this.deps.arnSuffix());
    // Counted across secrets, so checked here rather than by one secret's decider; a new name only.
    const limit = this.deps.maxSecrets ?? MAX_SECRETS;
    if (this.deps.catalog.entry(name).state.status === "absent" && this.deps.catalog.secretCount >= limit)
      return E.left({ _tag: "SecretQuotaExceeded", limit });
    // A replica served here holds its name in this region.
    if (this.deps.replicas.resolve({ kind: "name", name }) !== undefined)
      return E.left({ _tag: "SecretAlreadyExists", name });
    const replication = this.replication(input.AddReplicaRegions, input.ForceOverwriteReplicaSecret);
    const result = await this.execute(name, { kind: "name", name }, "CreateSecret", async (state, now) => {
      const arn = state.status === "active" ? state.arn : arnForNew;
      // A name that exists keeps its key; the decider then compares the values or refuses the name.
      const kmsKeyId = state.status === "active" ? state.kmsKeyId : input.KmsKeyId;
      return this.sealedCommand(state, arn, token, input, kmsKeyId, (values) => ({
        type: "CreateSecret",
        data: {
          name,
          arn,
          ...(token === undefined ? {} : { clientRequestToken: token }),
          ...values,
          ...(input.Description === undefined ? {} : { description: input.Description }),
          ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
          ...(input.Tags === undefined ? {} : { tags: input.Tags.map(toTag) }),
          ...(replication === undefined ? {} : { replication }),
          now,
        },
      }));
    });
    return E.map(({ state }: Executed) => {
      const secret = active(state);
      const versionCreated = token !== undefined && secret.versions.has(token);
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(versionCreated ? { VersionId: token } : {}),
        ...(replication === undefined ? {} : { ReplicationStatus: this.replicationStatusOf(secret) }),
      };
    })(result);
  }

  async putSecretValue(
    input: PutSecretValueInput,
  ): Outcome<{ ARN: string; Name: string; VersionId: string; VersionStages: ReadonlyArray<string> }> {
    const token = input.ClientRequestToken as VersionId | undefined;
    const result = await this.onSecret(input.SecretId, "PutSecretValue", async (state, now) => {
      // A secret gone meanwhile has no ARN to seal for; the decider refuses the command without values.
      const secret = state.status === "active" ? state : undefined;
      return this.sealedCommand(state, secret?.arn, token, input, secret?.kmsKeyId, (values) => ({
        type: "PutSecretValue",
        data: {
          ...(token === undefined ? {} : { clientRequestToken: token }),
          ...values,
          ...(input.VersionStages === undefined
            ? {}
            : { versionStages: input.VersionStages.map((l) => l as StagingLabel) }),
          versionPolicy: this.deps.versionPolicy,
          now,
        },
      }));
    });
    return E.map(({ state }: Executed) => {
      const secret = active(state);
      const versionId = token as VersionId;
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: stagesOf(secret, versionId) };
    })(result);
  }

  async updateSecretVersionStage(input: UpdateSecretVersionStageInput): Outcome<{ ARN: string; Name: string }> {
    const result = await this.onSecret(input.SecretId, "UpdateSecretVersionStage", (_state, now) =>
      decided({
        type: "UpdateSecretVersionStage",
        data: {
          versionStage: input.VersionStage as StagingLabel,
          ...(input.MoveToVersionId === undefined ? {} : { moveToVersionId: input.MoveToVersionId as VersionId }),
          ...(input.RemoveFromVersionId === undefined
            ? {}
            : { removeFromVersionId: input.RemoveFromVersionId as VersionId }),
          now,
        },
      }),
    );
    return E.map(({ state }: Executed) => arnAndName(state))(result);
  }

  async updateSecret(input: UpdateSecretInput): Outcome<{ ARN: string; Name: string; VersionId?: string }> {
    const token = input.ClientRequestToken as VersionId | undefined;
    const result = await this.onSecret(input.SecretId, "UpdateSecret", (state, now) => {
      const secret = state.status === "active" ? state : undefined;
      // A new key must be usable before anything changes: it wraps the new version and the labelled ones.
      if (input.KmsKeyId !== undefined && E.isLeft(this.deps.keyring().forWrapping(input.KmsKeyId)))
        return Promise.resolve(E.left({ _tag: "EncryptionFailed" } as const));
      return this.sealedCommand(state, secret?.arn, token, input, input.KmsKeyId ?? secret?.kmsKeyId, (values) => ({
        type: "UpdateSecret",
        data: {
          ...(token === undefined ? {} : { clientRequestToken: token }),
          ...values,
          ...(input.Description === undefined ? {} : { description: input.Description }),
          ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
          versionPolicy: this.deps.versionPolicy,
          now,
        },
      }));
    });
    const done = E.isRight(result) ? result.right.state : undefined;
    // Under the secret's lock, so that a deletion from this server cannot come between reading and re-writing.
    if (E.isRight(result) && done?.status === "active")
      await this.locks.run(done.name, () => this.reencryptLabelledVersions(result.right));
    const withValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
    return E.map(({ state }: Executed) => ({
      ...arnAndName(state),
      ...(withValue && token !== undefined ? { VersionId: token } : {}),
    }))(result);
  }

  async tagResource(input: TagResourceInput): Outcome<null> {
    const result = await this.onSecret(input.SecretId, "TagResource", (_state, now) =>
      decided({ type: "TagResource", data: { tags: input.Tags.map(toTag), now } }),
    );
    return E.map(() => null)(result);
  }

  async untagResource(input: UntagResourceInput): Outcome<null> {
    const result = await this.onSecret(input.SecretId, "UntagResource", (_state, now) =>
      decided({ type: "UntagResource", data: { tagKeys: input.TagKeys, now } }),
    );
    return E.map(() => null)(result);
  }

  async deleteSecret(input: DeleteSecretInput): Outcome<{ ARN: string; Name: string; DeletionDate: number }> {
    const command = (now: number): SecretCommand => ({
      type: "DeleteSecret",
      data: {
        ...(input.RecoveryWindowInDays === undefined ? {} : { recoveryWindowInDays: input.RecoveryWindowInDays }),
        ...(input.ForceDeleteWithoutRecovery === undefined
          ? {}
          : { forceDeleteWithoutRecovery: input.ForceDeleteWithoutRecovery }),
        now,
      },
    });
    const reference = parseSecretId(input.SecretId, this.deps.home);
    const found = this.deps.catalog.resolve(reference);
    if (found === undefined && this.deps.replicas.resolve(reference) !== undefined)
      return E.left({ _tag: "ReplicaReadOnly" });
    if (found === undefined) {
      // Nothing to delete: the decider still checks the parameters, and a forced delete succeeds as on AWS.
      const now = this.deps.clock();
      const decision = decide(command(now), initialState);
      if (E.isLeft(decision)) return decision;
      const name =
        reference.kind === "name" ? reference.name : reference.kind === "arn" ? reference.name : input.SecretId;
      const arn = input.SecretId.startsWith("arn:")
        ? input.SecretId
        : arnOf(this.deps.home, name, this.deps.arnSuffix());
      return E.right({ ARN: arn, Name: name, DeletionDate: seconds(now) });
    }
    const result = await this.execute(found.name, reference, "DeleteSecret", (_state, now) => decided(command(now)));
    return E.map(({ state, before, events }: Executed) => {
      const deleted = events.find((e) => e.type === "SecretDeleted");
      const secret = active(before);
      const deletionDate =
        deleted !== undefined ? deleted.meta.at : state.status === "active" ? state.deletion?.deletionDate : undefined;
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate ?? this.deps.clock()) };
    })(result);
  }

  async restoreSecret(input: RestoreSecretInput): Outcome<{ ARN: string; Name: string }> {
    const result = await this.onSecret(input.SecretId, "RestoreSecret", (_state, now) =>
      decided({ type: "RestoreSecret", data: { now } }),
    );
    return E.map(({ state }: Executed) => arnAndName(state))(result);
  }

  async putResourcePolicy(input: PutResourcePolicyInput): Outcome<{ ARN: string; Name: string }> {
    const result = await this.onSecret(input.SecretId, "PutResourcePolicy", (_state, now) =>
      decided({
        type: "PutResourcePolicy",
        data: {
          policy: input.ResourcePolicy,
          ...(input.BlockPublicPolicy === undefined ? {} : { blockPublicPolicy: input.BlockPublicPolicy }),
          now,
        },
      }),
    );
    return E.map(({ state }: Executed) => arnAndName(state))(result);
  }

  async deleteResourcePolicy(input: { readonly SecretId: string }): Outcome<{ ARN: string; Name: string }> {
    const result = await this.onSecret(input.SecretId, "DeleteResourcePolicy", (_state, now) =>
      decided({ type: "DeleteResourcePolicy", data: { now } }),
    );
    return E.map(({ state }: Executed) => arnAndName(state))(result);
  }

  getResourcePolicy(input: { readonly SecretId: string }): E.Either<ServiceError, Record<string, unknown>> {
    const secret = this.liveSecret(input.SecretId);
    return E.map((s: ActiveSecret) => ({
      ARN: s.arn,
      Name: s.name,
      ...(s.resourcePolicy === undefined ? {} : { ResourcePolicy: s.resourcePolicy }),
    }))(secret);
  }

  /** The checks PutResourcePolicy makes, reported rather than refused. */
  validateResourcePolicy(input: ValidateResourcePolicyInput): E.Either<ServiceError, Record<string, unknown>> {
    if (input.SecretId !== undefined) {
      const secret = this.liveSecret(input.SecretId);
      if (E.isLeft(secret)) return secret;
    }
    const parsed = parsePolicy(input.ResourcePolicy);
    const problems = isPolicyProblem(parsed)
      ? [parsed]
      : grantsPublicAccess(parsed.statements)
        ? [{ check: "BROAD_ACCESS_CHECKING", message: "The policy grants access to every principal." }]
        : [];
    return E.right({
      PolicyValidationPassed: problems.length === 0,
      ValidationErrors: problems.map((p) => ({ CheckName: p.check, ErrorMessage: p.message })),
    });
  }

  /**
   * The compactor: prunes, through the decider, every secret holding more versions than the policy keeps.
   * With `dryRun`, decides the same and appends nothing.
   */
  async compact(options: { readonly dryRun?: boolean } = {}): Promise<CompactionReport> {
    const { keep } = this.deps.versionPolicy;
    let secrets = 0;
    let versions = 0;
    for (const secret of [...this.deps.catalog.allSecrets()]) {
      if (secret.versions.size <= keep) continue;
      const command = (now: number): SecretCommand => ({
        type: "PruneVersions",
        data: { versionPolicy: this.deps.versionPolicy, now },
      });
      let pruned = 0;
      if (options.dryRun === true) {
        const decision = decide(command(this.deps.clock()), secret);
        if (E.isRight(decision)) pruned = countPruned(decision.right);
      } else {
        const result = await this.execute(
          secret.name,
          { kind: "name", name: secret.name },
          "PruneVersions",
          (_state, now) => decided(command(now)),
        );
        if (E.isRight(result)) pruned = countPruned(result.right.events);
      }
      if (pruned > 0) {
        secrets++;
        versions += pruned;
      }
    }
    return { secretsPruned: secrets, versionsPruned: versions };
  }

  /** Completes every deletion whose recovery window has ended; returns how many secrets were deleted. */
  async purgeDueDeletions(): Promise<number> {
    let purged = 0;
    for (const name of this.deps.catalog.dueDeletions(this.deps.clock())) {
      const result = await this.execute(name, { kind: "name", name }, "PurgeDeletedSecret", (_state, now) =>
        decided({ type: "PurgeDeletedSecret", data: { now } }),
      );
      if (E.isRight(result) && result.right.events.length > 0) purged++;
    }
    return purged;
  }

  async getSecretValue(input: GetSecretValueInput): Outcome<SecretValue> {
    const served = this.served(input.SecretId);
    const selected = selectVersion(served?.state ?? initialState, {
      ...(input.VersionId === undefined ? {} : { versionId: input.VersionId as VersionId }),
      ...(input.VersionStage === undefined ? {} : { versionStage: input.VersionStage as StagingLabel }),
    });
    if (E.isLeft(selected)) return selected;
    const { secret, version } = selected.right;
    const replica = served?.replica;
    const plaintext = await this.open(
      { arn: secret.arn, versionId: version.versionId },
      version.value,
      replica === undefined ? undefined : { arn: replica.primaryArn, versionId: version.versionId },
    );
    if (E.isLeft(plaintext)) return plaintext;
    // A replica's reads are not recorded: its log is the primary's, written only there.
    if (replica === undefined) await this.recordAccess(secret.name, version);
    const stages = stagesOf(secret, version.versionId);
    return E.right({
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.value.kind === "string"
        ? { SecretString: plaintext.right.toString("utf8") }
        : { SecretBinary: plaintext.right }),
      VersionStages: stages,
      CreatedDate: seconds(version.createdAt),
    });
  }

  /** What authorization needs of the secret a SecretId (or CreateSecret's Name) names. */
  accessTarget(secretId: string): AccessTarget {
    const state = this.lookup(secretId);
    if (state.status === "active")
      return {
        arn: state.arn,
        shownAs: state.arn,
        tags: state.tags ?? [],
        ...(state.resourcePolicy === undefined ? {} : { resourcePolicy: state.resourcePolicy }),
      };
    const { partition, region, account } = this.deps.home;
    const arn = secretId.startsWith("arn:")
      ? secretId
      : `arn:${partition}:secretsmanager:${region}:${account}:secret:${secretId}`;
    return { arn, shownAs: secretId, tags: [] };
  }

  describeSecret(input: DescribeSecretInput): E.Either<ServiceError, Record<string, unknown>> {
    const served = this.served(input.SecretId);
    if (served === undefined) return E.left({ _tag: "SecretNotFound" });
    return E.right({
      ...secretMetadata(served.state, "VersionIdsToStages", this.primaryRegionOf(served)),
      ...(served.replica === undefined && (served.state.replicas ?? []).length > 0
        ? { ReplicationStatus: this.replicationStatusOf(served.state) }
        : {}),
    });
  }

  /** ReplicateSecretToRegions: the secret is replicated to more regions; their status is answered. */
  async replicateSecretToRegions(
    input: ReplicateSecretToRegionsInput,
  ): Outcome<{ ARN: string; ReplicationStatus: ReadonlyArray<ReplicationStatus> }> {
    const replication = this.replication(input.AddReplicaRegions, input.ForceOverwriteReplicaSecret);
    const result = await this.onSecret(input.SecretId, "ReplicateSecretToRegions", (_state, now) =>
      decided({ type: "ReplicateSecretToRegions", data: { ...(replication as Replication), now } }),
    );
    const asked = new Set(input.AddReplicaRegions.map((r) => r.Region));
    return E.map(({ state }: Executed) => ({
      ARN: active(state).arn,
      ReplicationStatus: this.replicationStatusOf(active(state)).filter((r) => asked.has(r.Region)),
    }))(result);
  }

  /** RemoveRegionsFromReplication: the replicas there are deleted; the remaining regions' status is answered. */
  async removeRegionsFromReplication(
    input: RemoveRegionsFromReplicationInput,
  ): Outcome<{ ARN: string; ReplicationStatus: ReadonlyArray<ReplicationStatus> }> {
    const result = await this.onSecret(input.SecretId, "RemoveRegionsFromReplication", (_state, now) =>
      decided({ type: "RemoveRegionsFromReplication", data: { regions: input.RemoveReplicaRegions, now } }),
    );
    return E.map(({ state }: Executed) => ({
      ARN: active(state).arn,
      ReplicationStatus: this.replicationStatusOf(active(state)),
    }))(result);
  }

  /**
   * StopReplicationToReplica, in a replica's region: the replica, as served here, becomes a secret of this
   * region's log that accepts writes. Each version keeps its data key (already here, under the replica's key)
   * and its value is sealed anew for this region's ARN; the primary is told, and stops replicating it here.
   */
  async stopReplicationToReplica(input: { readonly SecretId: string }): Outcome<{ ARN: string }> {
    const reference = parseSecretId(input.SecretId, this.deps.home);
    if (this.deps.catalog.resolve(reference) !== undefined) return E.left({ _tag: "NotAReplica" });
    const replica = this.deps.replicas.resolve(reference);
    if (replica === undefined) return E.left({ _tag: "SecretNotFound" });
    const { state: secret, primaryArn } = replica;
    const result = await this.execute(
      secret.name,
      { kind: "name", name: secret.name },
      "PromoteReplica",
      async (_state, now) => {
        const versions: Array<{ versionId: VersionId; createdAt: number; value: SealedValue }> = [];
        for (const version of secret.versions.values()) {
          const ctx: VersionContext = { arn: secret.arn, versionId: version.versionId };
          const key = await this.dataKey(ctx);
          if (E.isLeft(key)) return key;
          try {
            const plaintext = openValue(key.right, version.value, { arn: primaryArn, versionId: version.versionId });
            versions.push({
              versionId: version.versionId,
              createdAt: version.createdAt,
              value: sealValue(key.right, version.value.kind, plaintext, ctx),
            });
          } catch (e) {
            if (e instanceof DecryptionError) return E.left({ _tag: "DecryptionFailed" } as const);
            throw e;
          } finally {
            key.right.fill(0);
          }
        }
        return decided({
          type: "PromoteReplica",
          data: {
            replica: {
              name: secret.name,
              arn: secret.arn,
              ...(secret.description === undefined ? {} : { description: secret.description }),
              ...(secret.kmsKeyId === undefined ? {} : { kmsKeyId: secret.kmsKeyId }),
              ...(secret.tags === undefined ? {} : { tags: secret.tags }),
              ...(secret.resourcePolicy === undefined ? {} : { resourcePolicy: secret.resourcePolicy }),
              versions,
              labels: [...secret.labels],
            },
            promotedFrom: primaryArn,
            now,
          },
        });
      },
    );
    return E.map(({ state }: Executed) => ({ ARN: active(state).arn }))(result);
  }

  /**
   * A replica region reports that it promoted its replica of `secretName`: the secret is no longer replicated
   * there (if the report is about this secret, and about the region's addition now in force).
   */
  async acknowledgePromotion(
    secretName: string,
    region: string,
    report: { arn: string; addedAt: number },
  ): Promise<void> {
    const state = this.deps.catalog.entry(secretName).state;
    if (state.status !== "active" || state.arn !== report.arn) return;
    await this.execute(secretName, { kind: "name", name: secretName }, "RemoveRegionsFromReplication", (_s, now) =>
      decided({
        type: "RemoveRegionsFromReplication",
        data: { regions: [region], promoted: { addedAt: report.addedAt }, now },
      }),
    );
  }

  /** ListSecrets: filtered, sorted, paged by a cursor (the last entry's sort key) in a signed token. */
  listSecrets(input: ListSecretsInput): E.Either<ServiceError, Record<string, unknown>> {
    const page = this.pageOfSecrets("ListSecrets", input, DEFAULT_PAGE);
    return E.map((p: SecretsPage) => ({
      SecretList: p.secrets.map((served) =>
        secretMetadata(served.state, "SecretVersionsToStages", this.primaryRegionOf(served)),
      ),
      ...(p.nextToken === undefined ? {} : { NextToken: p.nextToken }),
    }))(page);
  }

  /**
   * BatchGetSecretValue: the AWSCURRENT value of each secret named, or of each secret the filters match (a page
   * at a time); a secret that cannot be read is reported in its place, and does not fail the call.
   */
  async batchGetSecretValue(
    input: BatchGetSecretValueInput,
    /** Whether the caller may read this one secret; a refusal is reported in its place. */
    mayRead: (secretId: string) => ServiceError | undefined = () => undefined,
  ): Outcome<SecretValuesBatch> {
    if ((input.SecretIdList === undefined) === (input.Filters === undefined))
      return E.left({ _tag: "BatchSelectionAmbiguous" });
    if (input.MaxResults !== undefined && input.Filters === undefined)
      return E.left({ _tag: "BatchMaxResultsWithoutFilters" });
    let ids: ReadonlyArray<string>;
    let nextToken: string | undefined;
    if (input.SecretIdList !== undefined) ids = input.SecretIdList;
    else {
      const page = this.pageOfSecrets("BatchGetSecretValue", input, MAX_BATCH);
      if (E.isLeft(page)) return page;
      ids = page.right.secrets.map((secret) => secret.state.arn);
      nextToken = page.right.nextToken;
    }
    const values = [];
    for (const secretId of ids) {
      const refused = mayRead(secretId);
      values.push({
        secretId,
        result: refused !== undefined ? E.left(refused) : await this.getSecretValue({ SecretId: secretId }),
      });
    }
    return E.right({ values, ...(nextToken === undefined ? {} : { nextToken }) });
  }

  /** One page of the secrets a listing's filters match, in its order, with the token for the next page. */
  private pageOfSecrets(
    listing: string,
    input: ListSecretsInput,
    defaultPage: number,
  ): E.Either<ServiceError, SecretsPage> {
    const filters: SecretFilter[] = [];
    for (const f of input.Filters ?? []) {
      if (f.Key === undefined || f.Values === undefined) return E.left({ _tag: "FilterIncomplete" });
      filters.push({ key: f.Key as FilterKey, values: f.Values });
    }
    const sortBy = (input.SortBy ?? "created-date") as SortBy;
    // Ascending by default: AWS's recorded listings came back in creation order.
    const direction = input.SortOrder === "desc" ? -1 : 1;
    const includeScheduled = input.IncludePlannedDeletion === true;
    const query = JSON.stringify([listing, filters, sortBy, direction, includeScheduled]);
    let after: SortKey | undefined;
    if (input.NextToken !== undefined) {
      const cursor = this.pageTokens.read(query, input.NextToken);
      if (!isSortKey(cursor)) return E.left({ _tag: "InvalidNextToken" });
      after = cursor;
    }
    const served: Served[] = [...this.deps.catalog.allSecrets()].map((state) => ({ state }));
    for (const replica of this.deps.replicas.all())
      if (this.deps.catalog.entry(replica.state.name).state.status !== "active")
        served.push({ state: replica.state, replica });
    const rows = served
      .filter(({ state }) => includeScheduled || state.deletion === undefined)
      .filter((s) => matchesFilters(s.state, filters, this.primaryRegionOf(s)))
      .map((s) => ({ secret: s, key: [sortValue(s.state, sortBy), s.state.name] as SortKey }))
      .sort((a, b) => direction * compareSortKeys(a.key, b.key));
    const remaining = after === undefined ? rows : rows.filter((r) => direction * compareSortKeys(r.key, after) > 0);
    const page = remaining.slice(0, input.MaxResults ?? defaultPage);
    const last = page[page.length - 1];
    return E.right({
      secrets: page.map((r) => r.secret),
      ...(last !== undefined && remaining.length > page.length
        ? { nextToken: this.pageTokens.issue(query, last.key) }
        : {}),
    });
  }

  listSecretVersionIds(input: ListSecretVersionIdsInput): E.Either<ServiceError, Record<string, unknown>> {
    const state = this.lookup(input.SecretId);
    if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
    const all = versionIndex(state).filter((v) => input.IncludeDeprecated === true || v.stages.length > 0);
    const query = JSON.stringify(["ListSecretVersionIds", state.arn, input.IncludeDeprecated === true]);
    let start = 0;
    if (input.NextToken !== undefined) {
      const after = this.pageTokens.read(query, input.NextToken);
      const at = typeof after === "string" ? all.findIndex((v) => v.versionId === after) : -1;
      if (at < 0) return E.left({ _tag: "InvalidNextToken" });
      start = at + 1;
    }
    const page = all.slice(start, start + (input.MaxResults ?? DEFAULT_PAGE));
    const last = page[page.length - 1];
    const more = last !== undefined && start + page.length < all.length;
    const kmsKeyIds = [state.kmsKeyId === undefined || state.kmsKeyId === "" ? "DefaultEncryptionKey" : state.kmsKeyId];
    return E.right({
      Versions: page.map((v) => ({
        VersionId: v.versionId,
        ...(v.stages.length === 0 ? {} : { VersionStages: v.stages }),
        CreatedDate: seconds(v.createdAt),
        ...(v.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(v.lastAccessedDay) }),
        KmsKeyIds: kmsKeyIds,
      })),
      ...(more ? { NextToken: this.pageTokens.issue(query, last.versionId) } : {}),
      ARN: state.arn,
      Name: state.name,
    });
  }

  /** Records the day of a read, unless this version was read today already (no lock, no append, then). */
  private async recordAccess(name: string, version: Version): Promise<void> {
    if (version.lastAccessedDay === dayOf(this.deps.clock())) return;
    try {
      await this.execute(name, { kind: "name", name }, "RecordAccess", (_state, now) =>
        decided({ type: "RecordAccess", data: { versionId: version.versionId, now } }),
      );
    } catch (e) {
      this.deps.onBackgroundError("recording LastAccessedDate", e);
    }
  }

  /** Runs a command on the secret a SecretId names; a SecretId that names none is not found. */
  private onSecret(
    secretId: string,
    commandName: SecretCommand["type"],
    prepare: Parameters<SecretsService["execute"]>[3],
  ): Outcome<Executed> {
    const reference = parseSecretId(secretId, this.deps.home);
    const found = this.deps.catalog.resolve(reference);
    if (found === undefined)
      return Promise.resolve(
        E.left(
          this.deps.replicas.resolve(reference) === undefined
            ? { _tag: "SecretNotFound" }
            : { _tag: "ReplicaReadOnly" },
        ),
      );
    return this.execute(found.name, reference, commandName, prepare);
  }

  /** The secret a SecretId names, if it exists here (not as a replica) and is not scheduled for deletion. */
  private liveSecret(secretId: string): E.Either<ServiceError, ActiveSecret> {
    const served = this.served(secretId);
    if (served?.replica !== undefined) return E.left({ _tag: "ReplicaReadOnly" });
    const state = served?.state ?? initialState;
    if (state.status !== "active") return E.left({ _tag: "SecretNotFound" });
    if (state.deletion !== undefined) return E.left({ _tag: "SecretScheduledForDeletion" });
    return E.right(state);
  }

  private lookup(secretId: string): SecretState {
    return this.served(secretId)?.state ?? initialState;
  }

  /** The secret a SecretId names here: this region's own, else a replica served here. */
  private served(secretId: string): Served | undefined {
    const reference = parseSecretId(secretId, this.deps.home);
    const own = this.deps.catalog.resolve(reference)?.entry.state;
    if (own?.status === "active") return { state: own };
    const replica = this.deps.replicas.resolve(reference);
    return replica === undefined ? undefined : { state: replica.state, replica };
  }

  /** PrimaryRegion: a replica's primary; this region for a secret replicated elsewhere; none otherwise. */
  private primaryRegionOf(served: Served): string | undefined {
    if (served.replica !== undefined) return served.replica.primaryRegion;
    return (served.state.replicas ?? []).length > 0 ? this.deps.home.region : undefined;
  }

  private replicationStatusOf(secret: ActiveSecret): ReadonlyArray<ReplicationStatus> {
    return this.deps.replicationStatus(secret, this.deps.catalog.entry(secret.name).subjectSeq);
  }

  /** AddReplicaRegions (and ForceOverwriteReplicaSecret) as the commands carry them. */
  private replication(
    regions: CreateSecretInput["AddReplicaRegions"],
    forceOverwrite: boolean | undefined,
  ): Replication | undefined {
    if (regions === undefined) return undefined;
    return {
      regions: regions.map((r) => ({
        region: r.Region ?? "",
        ...(r.KmsKeyId === undefined ? {} : { kmsKeyId: r.KmsKeyId }),
      })),
      ...(forceOverwrite === undefined ? {} : { forceOverwrite }),
      homeRegion: this.deps.home.region,
    };
  }

  /**
   * Decides `command` against the latest state of secret `name` and appends its events; on a concurrent
   * append elsewhere, waits for the projection to catch up and decides again.
   */
  private execute(
    name: string,
    reference: SecretReference,
    commandName: SecretCommand["type"],
    prepare: Prepare,
  ): Outcome<Executed> {
    // NATS out of reach: refused at once. (A write NATS drops under way throws; the API answers that 503 too.)
    if (!this.deps.storeAvailable()) return Promise.resolve(E.left({ _tag: "StorageUnavailable" } as const));
    return this.locks.run(name, () => this.appendDecided(name, reference, commandName, prepare));
  }

  private async appendDecided(
    name: string,
    reference: SecretReference,
    commandName: SecretCommand["type"],
    prepare: Prepare,
  ): Outcome<Executed> {
    const { catalog, log, keys } = this.deps;
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const entry = this.entryFor(name, reference);
      const prepared = await prepare(entry.state, this.deps.clock());
      if (E.isLeft(prepared)) return prepared;
      const decision = decide(prepared.right.command, entry.state);
      if (E.isLeft(decision)) return decision;
      const events = decision.right;
      if (events.length === 0) return E.right({ state: entry.state, before: entry.state, events });
      // The keys go first: a version in the log must always find its key.
      for (const k of prepared.right.wrappedKeys)
        if (events.some((e) => e.type === "VersionCreated" && e.data.versionId === k.versionId))
          await keys.put(k.arn, k.versionId, k.key);
      const actor = this.acting.getStore();
      const record: CommandRecord = {
        schemaVersion: 1,
        command: commandName,
        requestId: actor?.requestId ?? randomUUID(),
        ...(actor === undefined ? {} : { principal: actor.principal }),
        events,
      };
      const appended = await log.append(name, entry.subjectSeq, record);
      if (appended._tag === "Appended") {
        await catalog.whenCaughtUp(appended.seq);
        return E.right({ state: fold(events, entry.state), before: entry.state, events });
      }
      await catalog.whenCaughtUp(appended.lastSeq);
    }
    return E.left({ _tag: "ContentionExhausted" });
  }

  /** The secret's entry, provided the reference still names it (it may have been replaced meanwhile). */
  private entryFor(name: string, reference: SecretReference): CatalogEntry {
    const entry = this.deps.catalog.entry(name);
    if (reference.kind === "name" || entry.state.status === "absent") return entry;
    const resolved = this.deps.catalog.resolve(reference);
    return resolved?.name === name ? entry : { state: initialState, subjectSeq: entry.subjectSeq };
  }

  /** A command built around the request's sealed values (none when there is no `arn` to seal for). */
  private async sealedCommand(
    state: SecretState,
    arn: string | undefined,
    token: VersionId | undefined,
    input: { readonly SecretString?: string; readonly SecretBinary?: Buffer },
    kmsKeyId: string | undefined,
    build: (values: SealedValues["values"]) => SecretCommand,
  ): Promise<E.Either<ServiceError, Prepared>> {
    const sealed = arn === undefined ? E.right(NOTHING_SEALED) : await this.sealAll(state, arn, token, input, kmsKeyId);
    return E.map((s: SealedValues) => ({ command: build(s.values), wrappedKeys: s.wrappedKeys }))(sealed);
  }

  /**
   * Seals the request's value(s) for version `token`. A token that already names a version is sealed under
   * that version's own data key, so the decider can compare fingerprints; a new one gets a fresh data key,
   * wrapped under the master key `kmsKeyId` names.
   */
  private async sealAll(
    state: SecretState,
    arn: string,
    token: VersionId | undefined,
    input: { readonly SecretString?: string; readonly SecretBinary?: Buffer },
    kmsKeyId: string | undefined,
  ): Promise<E.Either<ServiceError, SealedValues>> {
    const plain: PlainValue[] = [];
    if (input.SecretString !== undefined)
      plain.push({ kind: "string", bytes: Buffer.from(input.SecretString, "utf8") });
    if (input.SecretBinary !== undefined) plain.push({ kind: "binary", bytes: input.SecretBinary });
    if (plain.length === 0) return E.right(NOTHING_SEALED);
    // Without a token the decider refuses the command; the values are sealed under a throwaway key only so
    // that it sees which were given.
    const ctx: VersionContext = { arn, versionId: token ?? "" };
    const existing = token !== undefined && state.status === "active" && state.versions.has(token);
    let dataKey: Buffer;
    const wrappedKeys: WrappedKey[] = [];
    if (token === undefined) {
      dataKey = newDataKey();
    } else if (existing) {
      const key = await this.dataKey(ctx);
      if (E.isLeft(key)) return key;
      dataKey = key.right;
    } else {
      const wrapping = this.deps.keyring().forWrapping(kmsKeyId);
      if (E.isLeft(wrapping)) return E.left({ _tag: "EncryptionFailed" });
      dataKey = newDataKey();
      wrappedKeys.push({ arn, versionId: token, key: wrapWith(wrapping.right, dataKey, ctx) });
    }
    try {
      const values: { secretString?: SealedValue; secretBinary?: SealedValue } = {};
      for (const p of plain) {
        const sealed = sealValue(dataKey, p.kind, p.bytes, ctx);
        if (p.kind === "string") values.secretString = sealed;
        else values.secretBinary = sealed;
      }
      return E.right({ values, wrappedKeys });
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * A version's value, whatever its state now (for the forensic view of the log): what it held, or why it can
   * no longer be read: its key was destroyed (pruned or deleted: shredded), or its master key is unavailable.
   */
  async openVersion(
    arn: string,
    version: Version,
  ): Promise<
    | { readonly SecretString?: string; readonly SecretBinary?: string }
    | { readonly unavailable: "shredded" | "key unavailable" }
  > {
    if ((await this.deps.keys.get(arn, version.versionId)) === undefined) return { unavailable: "shredded" };
    const plaintext = await this.open({ arn, versionId: version.versionId }, version.value);
    if (E.isLeft(plaintext)) return { unavailable: "key unavailable" };
    return version.value.kind === "string"
      ? { SecretString: plaintext.right.toString("utf8") }
      : { SecretBinary: plaintext.right.toString("base64") };
  }

  /**
   * After UpdateSecret changed the KmsKeyId, AWS re-encrypts the versions labelled AWSCURRENT, AWSPENDING and
   * AWSPREVIOUS with the new key; here their data keys are re-wrapped (the ciphertext in the log stays as it
   * is). A version whose current key cannot unwrap it stays as it was, as on AWS without kms:Decrypt.
   */
  private async reencryptLabelledVersions({ state, events }: Executed): Promise<void> {
    const changed = events.find((e) => e.type === "SecretUpdated" && e.data.kmsKeyId !== undefined);
    if (changed === undefined || state.status !== "active") return;
    const wrapping = this.deps.keyring().forWrapping(state.kmsKeyId);
    if (E.isLeft(wrapping)) return;
    for (const label of [AWSCURRENT, AWSPENDING, AWSPREVIOUS]) {
      const versionId = state.labels.get(label);
      if (versionId === undefined) continue;
      const ctx: VersionContext = { arn: state.arn, versionId };
      const key = await this.dataKey(ctx);
      if (E.isLeft(key)) {
        this.deps.onBackgroundError(`re-encrypting version ${versionId}`, new Error("its key is not available"));
        continue;
      }
      try {
        await this.deps.keys.rewrap(state.arn, versionId, wrapWith(wrapping.right, key.right, ctx));
      } finally {
        key.right.fill(0);
      }
      // A deletion or pruning from another server may have destroyed the key meanwhile: the re-wrap must not
      // bring it back.
      const now = this.deps.catalog.entry(state.name).state;
      if (now.status !== "active" || now.arn !== state.arn || !now.versions.has(versionId))
        await this.deps.keys.destroy(state.arn, versionId);
    }
  }

  private async dataKey(ctx: VersionContext): Outcome<Buffer> {
    const wrapped = await this.deps.keys.get(ctx.arn, ctx.versionId);
    if (wrapped === undefined) return E.left({ _tag: "DecryptionFailed" });
    const wrapping = this.deps.keyring().forUnwrapping(wrapped.keyId, wrapped.generation);
    if (E.isLeft(wrapping)) return E.left({ _tag: "DecryptionFailed" });
    try {
      return E.right(unwrapDataKey(wrapping.right.material, wrapped.wrapped, ctx));
    } catch (e) {
      if (e instanceof DecryptionError) return E.left({ _tag: "DecryptionFailed" });
      throw e;
    }
  }

  /** A version's value: its data key found for `ctx`; the value sealed for `sealedFor` (a replica's primary). */
  private async open(ctx: VersionContext, sealed: SealedValue, sealedFor: VersionContext = ctx): Outcome<Buffer> {
    const key = await this.dataKey(ctx);
    if (E.isLeft(key)) return key;
    try {
      return E.right(openValue(key.right, sealed, sealedFor));
    } catch (e) {
      if (e instanceof DecryptionError) return E.left({ _tag: "DecryptionFailed" });
      throw e;
    } finally {
      key.right.fill(0);
    }
  }
}

type WrappedKey = { readonly arn: string; readonly versionId: VersionId; readonly key: WrappedDataKey };

const wrapWith = (
  wrapping: { readonly keyId: string; readonly generation: number; readonly material: Buffer },
  dataKey: Buffer,
  ctx: VersionContext,
): WrappedDataKey => ({
  keyId: wrapping.keyId,
  generation: wrapping.generation,
  wrapped: wrapDataKey(wrapping.material, dataKey, ctx),
});
type SealedValues = {
  readonly values: { readonly secretString?: SealedValue; readonly secretBinary?: SealedValue };
  readonly wrappedKeys: ReadonlyArray<WrappedKey>;
};

/** What a command did: the state before and after, and the events it appended (none: already done). */
type Executed = {
  readonly state: SecretState;
  readonly before: SecretState;
  readonly events: ReadonlyArray<SecretEvent>;
};

type Prepared = { readonly command: SecretCommand; readonly wrappedKeys: ReadonlyArray<WrappedKey> };

/** A command that needs no sealed values. */
const decided = (command: SecretCommand): Promise<E.Either<ServiceError, Prepared>> =>
  Promise.resolve(E.right({ command, wrappedKeys: [] }));

const arnAndName = (state: SecretState): { ARN: string; Name: string } => {
  const secret = active(state);
  return { ARN: secret.arn, Name: secret.name };
};

const NOTHING_SEALED: SealedValues = { values: {}, wrappedKeys: [] };

const toTag = (tag: { readonly Key?: string; readonly Value?: string }): Tag => ({
  Key: tag.Key ?? "",
  Value: tag.Value ?? "",
});

const active = (state: SecretState) => {
  if (state.status !== "active") throw new Error("a successful command left no secret");
  return state;
};

const isSortKey = (u: unknown): u is SortKey =>
  Array.isArray(u) &&
  u.length === 2 &&
  (typeof u[0] === "string" || typeof u[0] === "number") &&
  typeof u[1] === "string";

/** What DescribeSecret and a ListSecrets entry show of a secret; they differ in the label map's name. */
const secretMetadata = (
  state: ActiveSecret,
  labelMap: "VersionIdsToStages" | "SecretVersionsToStages",
  primaryRegion: string | undefined,
): Record<string, unknown> => {
  const labelled = labelledVersions(state);
  return {
    ARN: state.arn,
    Name: state.name,
    // An empty description is stored but not returned, as on AWS.
    ...(state.description === undefined || state.description === "" ? {} : { Description: state.description }),
    ...(state.kmsKeyId === undefined || state.kmsKeyId === "" ? {} : { KmsKeyId: state.kmsKeyId }),
    LastChangedDate: seconds(state.lastChangedAt),
    ...(state.lastAccessedDay === undefined ? {} : { LastAccessedDate: seconds(state.lastAccessedDay) }),
    ...(state.deletion === undefined ? {} : { DeletedDate: seconds(state.deletion.deletedAt) }),
    ...(state.tags === undefined ? {} : { Tags: state.tags }),
    ...(labelled.size === 0 ? {} : { [labelMap]: Object.fromEntries(labelled) }),
    CreatedDate: seconds(state.createdAt),
    ...(primaryRegion === undefined ? {} : { PrimaryRegion: primaryRegion }),
  };
};
