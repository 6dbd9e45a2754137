// AWS's request-rate quotas for Secrets Manager (per account and region; spec §6), enforced per server when
// turned on: each group of operations shares a token bucket holding one second's worth of requests.

const QUOTAS: ReadonlyArray<readonly [perSecond: number, operations: ReadonlyArray<string>]> = [
  [10_000, ["DescribeSecret", "GetSecretValue"]],
  [100, ["BatchGetSecretValue"]],
  [100, ["ListSecrets"]],
  [50, ["ListSecretVersionIds"]],
  [50, ["CreateSecret"]],
  [50, ["DeleteSecret"]],
  [50, ["GetRandomPassword"]],
  [
    50,
    [
      "PutSecretValue",
      "RemoveRegionsFromReplication",
      "ReplicateSecretToRegions",
      "StopReplicationToReplica",
      "UpdateSecret",
      "UpdateSecretVersionStage",
    ],
  ],
  [50, ["DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy", "ValidateResourcePolicy"]],
  [50, ["RestoreSecret"]],
  [50, ["RotateSecret", "CancelRotateSecret"]],
  [50, ["TagResource", "UntagResource"]],
];

type Bucket = { readonly perSecond: number; tokens: number; refilledAt: number };

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number) {
    const now = clock();
    for (const [perSecond, operations] of QUOTAS) {
      const bucket: Bucket = { perSecond, tokens: perSecond, refilledAt: now };
      for (const operation of operations) this.buckets.set(operation, bucket);
    }
  }

  /** Takes one request's token from the operation's group; false when the group is over its rate. */
  admit(operation: string): boolean {
    const bucket = this.buckets.get(operation);
    if (bucket === undefined) return true;
    const now = this.clock();
    const elapsed = Math.max(0, now - bucket.refilledAt);
    bucket.tokens = Math.min(bucket.perSecond, bucket.tokens + (elapsed * bucket.perSecond) / 1000);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
