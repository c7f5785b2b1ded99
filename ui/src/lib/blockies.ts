// Identicons for addresses: the "blockies" scheme that Ethereum wallets show, written here from
// its description. An 8×8 grid, its left half random and the right half its mirror; each cell is
// the background, the colour or the spot colour. The randomness is xorshift128, seeded from the
// lowercased address, so the same address gives the same picture in every app that uses it.

export type Blockie = {
  size: number;
  /** Colours as CSS hsl(): background, main, spot. */
  colors: [string, string, string];
  /** Row by row, size × size cells: 0 background, 1 main colour, 2 spot. */
  cells: number[];
};

/** A xorshift128 generator whose four words are seeded from the text. */
function generator(seed: string): () => number {
  const s = new Int32Array(4);
  for (let i = 0; i < seed.length; i++) {
    const k = i % 4;
    // s[k] * 31 + code, in 32-bit wraparound.
    s[k] = (s[k] << 5) - s[k] + seed.charCodeAt(i);
  }
  return () => {
    const t = s[0] ^ (s[0] << 11);
    s[0] = s[1];
    s[1] = s[2];
    s[2] = s[3];
    s[3] = s[3] ^ (s[3] >> 19) ^ t ^ (t >> 8);
    return (s[3] >>> 0) / 2147483648;
  };
}

function color(next: () => number): string {
  const h = Math.floor(next() * 360);
  const s = next() * 60 + 40;
  const l = (next() + next() + next() + next()) * 25;
  return `hsl(${h},${round(s)}%,${round(l)}%)`;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The blockie of an address (any case: it is lowercased first). */
export function blockie(address: string, size = 8): Blockie {
  const next = generator(address.toLowerCase());
  const main = color(next);
  const background = color(next);
  const spot = color(next);
  const half = Math.ceil(size / 2);
  const mirrored = size - half;
  const cells: number[] = [];
  for (let y = 0; y < size; y++) {
    const row: number[] = [];
    for (let x = 0; x < half; x++) row.push(Math.floor(next() * 2.3));
    cells.push(...row, ...row.slice(0, mirrored).reverse());
  }
  return { size, colors: [background, main, spot], cells };
}

/** The blockie as an SVG document: one rect per non-background cell on a background square. */
export function blockieSvg(address: string): string {
  const b = blockie(address);
  const rects: string[] = [];
  b.cells.forEach((c, i) => {
    if (c !== 0) rects.push(`<rect x="${i % b.size}" y="${Math.floor(i / b.size)}" width="1" height="1" fill="${b.colors[c]}"/>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${b.size} ${b.size}" shape-rendering="crispEdges">` +
    `<rect width="${b.size}" height="${b.size}" fill="${b.colors[0]}"/>${rects.join("")}</svg>`;
}

const cache = new Map<string, string>();
const CACHE_MAX = 500;

/** The blockie as a data: URL for an <img> (the CSP allows data: images); cached per address. */
export function blockieUrl(address: string): string {
  const key = address.toLowerCase();
  let url = cache.get(key);
  if (url === undefined) {
    url = `data:image/svg+xml,${encodeURIComponent(blockieSvg(key))}`;
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, url);
  }
  return url;
}
