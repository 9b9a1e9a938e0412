/**
 * Capture protocols: the conditions (free key=value tags: distance, angle, lighting, camera,
 * printer...) under which a capture session photographs the printed sheets.
 *
 *   kurakin  one condition, as in Kurakin et al. 2016 §3.2: photos of the printed sheets, no
 *            controlled variation (setup=paper).
 *   rp2      Eykholt et al. 2018 (RP2, "Robust Physical-World Attacks on Deep Learning Visual
 *            Classification", CVPR 2018) photograph a stop sign from 5' to 40' and at 0° to 30°
 *            of viewing angle. The grid used here is the full product of their distances and
 *            angles: distance 5, 10, 15, 20, 25, 30, 40 ft × angle 0, 15, 30° (21 conditions,
 *            the grid of issue 17); their result tables show a subset of these combinations.
 *
 * A protocol file is JSON: { "name": "...", "conditions": [{ "distance": "5ft", ... }, ...] }.
 * Pure (no Node): the file is read by the register job.
 */
import { PrintshotError } from '../shared';

export type Condition = Record<string, string>;

export interface CaptureProtocol {
  name: string;
  conditions: Condition[];
}

export const RP2_DISTANCES_FT = [5, 10, 15, 20, 25, 30, 40] as const;
export const RP2_ANGLES_DEG = [0, 15, 30] as const;

export const PROTOCOLS: Record<string, CaptureProtocol> = {
  kurakin: { name: 'kurakin', conditions: [{ setup: 'paper' }] },
  rp2: {
    name: 'rp2',
    conditions: RP2_DISTANCES_FT.flatMap((d) => RP2_ANGLES_DEG.map((a) => ({ distance: `${d}ft`, angle: String(a) }))),
  },
};

const KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** 'distance=5ft,angle=15' → { distance: '5ft', angle: '15' }; keys are case-sensitive, values trimmed. */
export function parseCondition(text: string): Condition {
  const out: Condition = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    const value = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!KEY.test(key) || !value) {
      throw new PrintshotError('bad-argument', `--condition: '${part}' is not key=value`, 'write tags as key=value pairs separated by commas, e.g. distance=5ft,angle=15');
    }
    if (key in out) throw new PrintshotError('bad-argument', `--condition: '${key}' is given twice`);
    out[key] = value;
  }
  if (!Object.keys(out).length) throw new PrintshotError('bad-argument', '--condition is empty', 'e.g. --condition distance=5ft,angle=15');
  return out;
}

/** A stable key for grouping: tags sorted by name, 'angle=15,distance=5ft'; '' for no condition. */
export function conditionKey(c: Condition | undefined | null): string {
  return c ? Object.keys(c).sort().map((k) => `${k}=${c[k]}`).join(',') : '';
}

/** A protocol from a parsed protocol file (the JSON above). */
export function parseProtocol(json: unknown, source: string): CaptureProtocol {
  const o = json as { name?: unknown; conditions?: unknown };
  const ok = o && typeof o === 'object' && Array.isArray(o.conditions) && o.conditions.length > 0
    && o.conditions.every((c) => c && typeof c === 'object' && Object.entries(c as object).length > 0 && Object.entries(c as object).every(([k, v]) => KEY.test(k) && typeof v === 'string' && v));
  if (!ok) {
    throw new PrintshotError('bad-argument', `${source}: not a protocol file`, 'write { "name": "...", "conditions": [{ "distance": "5ft", "angle": "0" }, ...] } (string values)');
  }
  return { name: typeof o.name === 'string' && o.name ? o.name : source, conditions: o.conditions as Condition[] };
}

/** The built-in template of that name, or null. */
export function builtinProtocol(name: string): CaptureProtocol | null {
  return Object.hasOwn(PROTOCOLS, name) ? PROTOCOLS[name] : null;
}

/**
 * The protocol's conditions that no accepted photo carries yet. A photo matches a condition
 * when it has every tag of the condition with the same value (extra tags, e.g. camera=phone, are fine).
 */
export function missingConditions(protocol: CaptureProtocol, photos: readonly { status: string; condition?: Condition }[]): Condition[] {
  const seen = photos.filter((p) => p.status === 'accepted' && p.condition).map((p) => p.condition!);
  return protocol.conditions.filter((c) => !seen.some((s) => Object.entries(c).every(([k, v]) => s[k] === v)));
}
