/** Option parsers that turn bad numbers into usage errors naming the option. */
import { InvalidArgumentError, Option } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a number ≥ 0`);
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--fit fill|crop|pad`: how images of another aspect ratio reach the model's input size
 * (src/images/decode.ts). Choices are spelled out here so `--help` works without loading sharp.
 */
export function fitOption(): Option {
  return new Option('--fit <mode>', 'images of another aspect ratio: fill (stretch, default) | crop (centre) | pad (letterbox, black)').choices(['fill', 'crop', 'pad']);
}

/** `--skip-unreadable`: go on with the readable images of a folder that also holds damaged files (each is listed). */
export function skipUnreadableOption(): Option {
  return new Option('--skip-unreadable', 'leave out image files that cannot be read (each is listed) instead of stopping');
}

/**
 * `--wait 10m`: a duration in ms. Units ms, s, m, h; a bare number is seconds. Zero means do
 * not wait.
 */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`'${value}' is not a duration (e.g. 30s, 10m, 1h)`);
  const unit = (m[2] ?? 's').toLowerCase();
  const scale = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
  return Math.round(Number(m[1]) * scale);
}
