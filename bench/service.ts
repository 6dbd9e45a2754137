// The benchmark's unaudited reference: the service, configured as `npm start` configures it, with the audit
// trail off, so that `npm run bench` can measure what auditing costs in the same run. Prints its endpoint.
import * as E from "fp-ts/lib/Either.js";
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";

const config = loadConfig(process.env);
if (E.isLeft(config)) throw new Error(config.left);
const app = await startApp(config.right, { audit: false });
process.stdout.write(`  Endpoint:   ${app.endpoint}\n`);
const stop = (): void => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
