import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";

/** The flexible-checksum algorithms the emulator verifies and returns. */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "SHA1", "SHA256"];

/** `x-amz-checksum-crc32` etc. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** `ChecksumCRC32` etc., the XML element / SDK member name. */
export function checksumMember(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

export function parseChecksumAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  const upper = value?.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

/** An incremental checksum whose digest is base64, as S3 transmits them. */
export interface Checksum {
  update(data: Buffer): void;
  digest(): string;
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case "CRC32":
      return crcChecksum((data, crc) => crc32(data, crc));
    case "CRC32C":
      return crcChecksum(crc32c);
    case "SHA1":
      return hashChecksum(createHash("sha1"));
    case "SHA256":
      return hashChecksum(createHash("sha256"));
  }
}

function crcChecksum(step: (data: Buffer, crc: number) => number): Checksum {
  let crc = 0;
  return {
    update(data) {
      crc = step(data, crc);
    },
    digest() {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out.toString("base64");
    },
  };
}

function hashChecksum(hash: Hash): Checksum {
  return {
    update(data) {
      hash.update(data);
    },
    digest() {
      return hash.digest("base64");
    },
  };
}

/** Checksum of a list of raw part checksums: S3's COMPOSITE multipart checksum is this plus `-<parts>`. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const sum = createChecksum(algorithm);
  for (const part of partChecksums) sum.update(Buffer.from(part, "base64"));
  return `${sum.digest()}-${partChecksums.length}`;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Buffer, previous: number): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (CRC32C_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
