/**
 * The route table type and the one dispatcher every transport uses (Electron IPC, serve-mode
 * HTTP). `Routes` maps every channel to a handler, so a missing handler is a compile error. The
 * dispatcher validates the request before the handler sees it and the response before the
 * caller does, and always answers with an envelope.
 */
import { contract, type ParsedRequestOf, type ResponseOf } from './channels';
import { ERROR_CODES } from './dto';
import { ContractError, toErrorDto, type Envelope } from './envelope';
import { isChannel, type Channel } from './names';

export type Handler<K extends Channel> = (request: ParsedRequestOf<K>) => Promise<ResponseOf<K>>;

export type Routes = { [K in Channel]: Handler<K> };

/** A partial table, for a process that serves only some channels (the engine). */
export type RoutesFor<C extends Channel> = { [K in C]: Handler<K> };

function issueLine(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  const where = first.path.length ? `${first.path.map(String).join('.')}: ` : '';
  return `${where}${first.message}${error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''}`;
}

/** Validates a request against the contract; throws ContractError('bad-request') naming the field. */
export function parseRequest<K extends Channel>(channel: K, payload: unknown): ParsedRequestOf<K> {
  const r = contract[channel].request.safeParse(payload);
  if (!r.success) throw new ContractError(ERROR_CODES.badRequest, `${channel}: ${issueLine(r.error)}`);
  return r.data as ParsedRequestOf<K>;
}

export async function dispatch(routes: Partial<Routes>, channel: unknown, payload: unknown): Promise<Envelope> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: ERROR_CODES.unknownChannel, message: `unknown channel '${String(channel).slice(0, 100)}'` } };
  }
  const handler = routes[channel] as ((req: unknown) => Promise<unknown>) | undefined;
  if (!handler) return { ok: false, error: { code: ERROR_CODES.unknownChannel, message: `no route for ${channel}` } };
  try {
    const request = parseRequest(channel, payload);
    const value = await handler(request);
    const checked = contract[channel].response.safeParse(value);
    if (!checked.success) {
      // A bug on our side, not the caller's: say so plainly instead of sending a malformed DTO.
      return { ok: false, error: { code: ERROR_CODES.internal, message: `${channel}: response does not match the contract (${issueLine(checked.error)})` } };
    }
    return { ok: true, value: checked.data };
  } catch (e) {
    return { ok: false, error: toErrorDto(e) };
  }
}
