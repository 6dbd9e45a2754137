import { Agent, request } from "node:http";
import { signRequest, type Credentials } from "../access/sigv4.js";

export type AwsJsonResponse = {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: Record<string, unknown>;
};

/**
 * A lean AWS JSON 1.1 client over keep-alive HTTP, signing with SigV4: for raw requests the SDK would never
 * send (tests), and for load without the SDK's own cost (benchmark).
 */
export class AwsJsonClient {
  private readonly agent: Agent;

  constructor(
    private readonly endpoint: string,
    private readonly credentials: Credentials,
    private readonly region: string,
    private readonly clock: () => number = Date.now,
    maxSockets = 256,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends `body` (an object, raw text, or raw bytes) to operation `target` (e.g. `secretsmanager.GetSecretValue`). */
  send(
    target: string | undefined,
    body: object | string | Buffer,
    options: {
      readonly headers?: Record<string, string>;
      readonly sign?: boolean;
      /** Other than POST / (tests of what the service refuses). */
      readonly method?: string;
      readonly path?: string;
    } = {},
  ): Promise<AwsJsonResponse> {
    const url = new URL(this.endpoint);
    const payload = Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8");
    const headers: Record<string, string> = {
      host: url.host,
      "content-type": "application/x-amz-json-1.1",
      ...(target === undefined ? {} : { "x-amz-target": target }),
      ...options.headers,
    };
    const signed =
      options.sign === false
        ? headers
        : {
            ...headers,
            ...signRequest(
              { method: options.method ?? "POST", url: options.path ?? "/", headers, body: payload },
              this.credentials,
              {
                region: this.region,
                service: "secretsmanager",
              },
              this.clock(),
            ),
          };
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: options.method ?? "POST",
          path: options.path ?? "/",
          headers: { ...signed, "content-length": payload.length },
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: Record<string, unknown> = {};
            try {
              json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              // not JSON: the caller looks at `body`
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
