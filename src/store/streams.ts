import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";

/** Creates the stream unless it exists; an existing stream is kept as it is. */
export const ensureStream = async (
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { readonly name: string },
): Promise<void> => {
  try {
    await jsm.streams.info(config.name);
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
    await jsm.streams.add(config);
  }
};
