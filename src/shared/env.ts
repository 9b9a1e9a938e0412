/**
 * Settings from environment variables, where the host has them (Node's process.env), without
 * naming Node: in a browser there are none and every lookup is undefined.
 */
type Host = { process?: { env?: Record<string, string | undefined>; stderr?: { write(text: string): unknown } } };

const host = globalThis as Host;

export function envVar(name: string): string | undefined {
  return host.process?.env?.[name];
}

/** Writes a diagnostic line to stderr (Node), or to the console where there is no stderr. */
export function writeDiagnostic(line: string): void {
  if (host.process?.stderr) host.process.stderr.write(`${line}\n`);
  else console.error(line);
}
