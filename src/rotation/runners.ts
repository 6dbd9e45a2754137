// The runners that call a handler in AWS's form (module.function) with the event read from stdin and a
// Lambda-like context. A handler that raises makes the runner print its error's type (never its message, which
// may hold the value) after RESULT_MARK and exit with 1.

export const RESULT_MARK = "__secret_ledger_result__";

/** Run as `python3 -c PYTHON_RUNNER <codeDir> <module.function>`. */
export const PYTHON_RUNNER = `
import importlib, json, os, sys, time
def main():
    code_dir, handler = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.abspath(code_dir))
    module_name, _, function_name = handler.rpartition(".")
    deadline = time.time() + float(os.environ.get("SECRET_LEDGER_TIMEOUT_SECONDS", "30"))
    class Context:
        function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        function_version = "$LATEST"
        memory_limit_in_mb = 128
        aws_request_id = os.environ.get("SECRET_LEDGER_INVOCATION_ID", "")
        def get_remaining_time_in_millis(self):
            return max(0, int((deadline - time.time()) * 1000))
    try:
        event = json.loads(sys.stdin.read())
        getattr(importlib.import_module(module_name), function_name)(event, Context())
    except BaseException as e:
        sys.stdout.write("\\n${RESULT_MARK}" + json.dumps({"errorType": type(e).__name__}) + "\\n")
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.flush()
    os._exit(0)
main()
`;

/** Run as `node --input-type=module -e NODE_RUNNER <codeDir> <module.function>`. */
export const NODE_RUNNER = `
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
const [codeDir, handler] = process.argv.slice(1);
const dot = handler.lastIndexOf(".");
const [moduleName, functionName] = [handler.slice(0, dot), handler.slice(dot + 1)];
const done = (code, errorType) => {
  const line = errorType === undefined ? "" : "\\n${RESULT_MARK}" + JSON.stringify({ errorType }) + "\\n";
  process.stdout.write(line, () => process.exit(code));
};
try {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const event = JSON.parse(input);
  const file = [".mjs", ".js", ".cjs"].map((ext) => join(resolve(codeDir), moduleName + ext)).find((f) => existsSync(f));
  if (file === undefined) throw Object.assign(new Error("no module " + moduleName), { name: "Runtime.ImportModuleError" });
  const module = await import(pathToFileURL(file).href);
  const fn = module[functionName] ?? module.default?.[functionName];
  if (typeof fn !== "function") throw Object.assign(new Error("no handler"), { name: "Runtime.HandlerNotFound" });
  const deadline = Date.now() + Number(process.env.SECRET_LEDGER_TIMEOUT_SECONDS ?? "30") * 1000;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "",
    awsRequestId: process.env.SECRET_LEDGER_INVOCATION_ID ?? "",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  await new Promise((resolvePromise, reject) => {
    const result = fn(event, context, (error, value) => (error ? reject(error) : resolvePromise(value)));
    if (result !== undefined && typeof result.then === "function") result.then(resolvePromise, reject);
    else if (fn.length < 3) resolvePromise(result);
  });
  done(0);
} catch (e) {
  done(1, (e && e.name) || typeof e);
}
`;
