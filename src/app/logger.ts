/** The service's log lines: one JSON object each, on standard output unless a test or the CLI takes them. */
export type Logger = (line: Record<string, unknown>) => void;

export const stdoutLogger: Logger = (line) => process.stdout.write(JSON.stringify(line) + "\n");

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : "unknown");
