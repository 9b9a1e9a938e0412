/**
 * Runs `fn` over `xs` with at most `limit` calls in flight, keeping results in input order.
 * Image decoding and PNG encoding run on libuv's thread pool; a few in flight keep it busy
 * without holding every decoded image of a large dataset in memory at once.
 */
export async function mapLimit<T, R>(xs: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, xs.length)) }, worker));
  return out;
}
