import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";

/**
 * Creates the stream unless it exists. An existing stream keeps its configuration, except the `updatable`
 * settings, which are brought to what `config` asks (a store made by an earlier version of the service).
 */
export const ensureStream = async (
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { readonly name: string },
  updatable: ReadonlyArray<keyof StreamConfig> = [],
): Promise<void> => {
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
    await jsm.streams.add(config);
    return;
  }
  const changes = Object.fromEntries(
    updatable
      .filter((key) => config[key] !== undefined && existing[key] !== config[key])
      .map((key) => [key, config[key]]),
  );
  if (Object.keys(changes).length > 0) await jsm.streams.update(config.name, changes);
};
