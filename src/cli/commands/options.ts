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
