import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";

/** The flexible-checksum algorithms the emulator verifies and returns. */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  "CRC32",
  "CRC32C",
  "CRC64NVME",
  "SHA1",
  "SHA256",
];

/** `x-amz-checksum-crc32` etc. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** `ChecksumCRC32` etc., the XML element / SDK member name. */
export function checksumMember(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

/** Digest sizes in bytes, to tell a well-formed checksum value from a malformed one. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

/** Whether `value` is the canonical base64 of one `algorithm` digest. */
export function isChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value, "base64");
  return bytes.length === DIGEST_BYTES[algorithm] && bytes.toString("base64") === value;
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
    case "CRC64NVME":
      return crc64nvme();
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

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones), kept as two 32-bit
// halves so the inner loop stays in small-integer arithmetic instead of BigInt.
const CRC64_TABLE = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ 0x9a6c9329) >>> 0;
        l = (l ^ 0xac4bc9b5) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

function crc64nvme(): Checksum {
  let h = 0xffffffff;
  let l = 0xffffffff;
  return {
    update(data) {
      const { hi, lo } = CRC64_TABLE;
      for (let i = 0; i < data.length; i++) {
        const idx = (l ^ (data[i] as number)) & 0xff;
        l = (((l >>> 8) | (h << 24)) ^ (lo[idx] as number)) >>> 0;
        h = ((h >>> 8) ^ (hi[idx] as number)) >>> 0;
      }
    },
    digest() {
      const out = Buffer.alloc(8);
      out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
      out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
      return out.toString("base64");
    },
  };
}
