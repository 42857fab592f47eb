// The bench's input: N rows of 10 features with 4 decimals and a 0/1 label, from a fixed seed.
import { createWriteStream } from "node:fs";

export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

export async function generate(path, rows) {
  const out = createWriteStream(path);
  out.write(`${FEATURES.join(",")},y\n`);
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < rows; ) {
    let chunk = "";
    for (let k = 0; k < 10_000 && i < rows; k++, i++) {
      let line = "";
      for (let j = 0; j < 10; j++) line += `${((rand() - 0.5) * 4).toFixed(4)},`;
      chunk += `${line}${rand() < 0.5 ? 1 : 0}\n`;
    }
    if (!out.write(chunk)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}
