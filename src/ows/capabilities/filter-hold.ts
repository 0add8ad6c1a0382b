/**
 * Bytes the capabilities filter holds back for one listing element until it is decided. Held as
 * parts so that the common case (decided within the chunk) copies nothing: first copies of bytes
 * from earlier chunks, then ranges of the current chunk (`[start, end)` pairs, flattened), copied
 * only if the element is still undecided when the chunk ends (`keepRanges`). Part `i` is
 * `parts[i]`, or range `i - parts.length`.
 */
export interface Hold {
  parts: Buffer[];
  ranges: number[];
  size: number;
}

/** An empty hold. */
export function newHold(): Hold {
  return { parts: [], ranges: [], size: 0 };
}

/** How many parts a hold has (0 for none). */
export function holdLength(hold: Hold | undefined): number {
  return hold === undefined ? 0 : hold.parts.length + hold.ranges.length / 2;
}

/** Removes parts [from, to) of a hold. */
export function removeParts(hold: Hold, from: number, to: number): void {
  const copies = hold.parts.length;
  if (from < copies) {
    for (const p of hold.parts.splice(from, Math.min(to, copies) - from)) hold.size -= p.length;
  }
  const rFrom = Math.max(from - copies, 0);
  const rTo = Math.max(to - copies, 0);
  if (rTo > rFrom) {
    const removed = hold.ranges.splice(2 * rFrom, 2 * (rTo - rFrom));
    for (let i = 0; i < removed.length; i += 2)
      hold.size -= (removed[i + 1] as number) - (removed[i] as number);
  }
}

/**
 * The chunk `data` was scanned and the hold outlives it: its ranges become copies, so that the next
 * chunk can be read and a small hold does not pin a large chunk.
 */
export function keepRanges(hold: Hold, data: Buffer): void {
  const ranges = hold.ranges;
  if (ranges.length === 0) return;
  for (let i = 0; i < ranges.length; i += 2) {
    hold.parts.push(Buffer.from(data.subarray(ranges[i] as number, ranges[i + 1] as number)));
  }
  hold.ranges = [];
}
