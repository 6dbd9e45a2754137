// The bare signed server: node:http that checks each request's SigV4 signature (the service's own verifier)
// and answers `{}`. The ceiling of a signed AWS JSON API on this machine, for the benchmark's ratios.
// Input: the credentials and region as one JSON argument; prints "port <n>" once listening.
import { createServer } from "node:http";
import { verifyRequest, type Credentials } from "../src/access/sigv4.js";

const { credentials, region } = JSON.parse(process.argv[2] ?? "{}") as { credentials: Credentials; region: string };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const verified = verifyRequest(
      { method: req.method ?? "POST", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks) },
      {
        credentialsFor: (id) => (id === credentials.accessKeyId ? credentials : undefined),
        region,
        service: "secretsmanager",
        now: Date.now(),
      },
    );
    const status = verified._tag === "Right" ? 200 : 403;
    res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": 2 });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === "object" && address !== null ? address.port : 0}\n`);
});
