import { AwsJsonClient } from "../../src/client/aws-json-client.js";
import type { RunningApp } from "../../src/app.js";

/** A signed raw client for an app, with the app's own credentials and region. */
export const rawRequest = (app: RunningApp & { readonly config: { readonly region: string } }, clock?: () => number) =>
  new AwsJsonClient(app.endpoint, app.credentials, app.config.region, clock);
