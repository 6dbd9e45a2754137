// The service as `npm start` runs it: one file, dist/bundle/main.js (and the log reader's thread beside it,
// log-reader-thread.js, where src/store/log-reader.ts looks for it), made from tsc's output under dist/src; and the
// command line as `./secret-ledger` runs it, dist/bundle/cli.js. Node then reads and links one module instead of
// about 300 (the service's own and its dependencies'): a start from the checkpoint listens about 0.25 s sooner on
// the 2-core machines (docs/measuring.md), whatever the number of secrets, and a command answers as much sooner.
// The code is the same, not minified; the tests and the benchmarks import dist/src, and run these two files.
import { build } from "esbuild";

await build({
  entryPoints: {
    main: "dist/src/main.js",
    cli: "dist/src/cli.js",
    "log-reader-thread": "dist/src/store/log-reader-thread.js",
  },
  outdir: "dist/bundle",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The CommonJS dependencies (prom-client, fp-ts, io-ts) require node's own modules: an ES module has no `require`.
  banner: {
    js: 'import { createRequire as createRequireOfBundle } from "node:module";\nconst require = createRequireOfBundle(import.meta.url);',
  },
  logLevel: "warning",
});
