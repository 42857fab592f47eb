// Test doubles of the emulator's own ports (ObjectStore over a directory, LogStore in memory), shared by
// this folder's tests. Kept free of test-runner imports so it type-checks with the library.
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { ObjectStore } from "@mlship/core";
import type { LogStore, StoredLogEvent } from "../logs/log-store.js";

/** `s3://bucket/key` <-> `<root>/bucket/key`. */
export function directoryObjectStore(root: string): ObjectStore & { pathOf(uri: string): string } {
  const pathOf = (uri: string) => {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new Error(`not an s3 URI: ${uri}`);
    return join(root, match[1] as string, match[2] as string);
  };
  return {
    pathOf,
    async download(uri, dir) {
      const source = pathOf(uri);
      mkdirSync(dir, { recursive: true });
      if (uri.endsWith("/")) {
        const files: string[] = [];
        for (const entry of readdirSync(source, { recursive: true })) {
          const from = join(source, String(entry));
          if (!statSync(from).isFile()) continue;
          const to = join(dir, relative(source, from));
          mkdirSync(dirname(to), { recursive: true });
          copyFileSync(from, to);
          files.push(to);
        }
        return files;
      }
      statSync(source); // throws ENOENT like a missing object
      const to = join(dir, source.slice(source.lastIndexOf("/") + 1));
      copyFileSync(source, to);
      return [to];
    },
    async upload(file, uri) {
      const to = pathOf(uri);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(file, to);
    },
  };
}

export function memoryLogStore(): LogStore & {
  events(group: string, stream?: string): StoredLogEvent[];
  streams(group: string): string[];
} {
  const groups = new Map<string, Map<string, StoredLogEvent[]>>();
  const stream = (group: string, name: string) => {
    let g = groups.get(group);
    if (!g) {
      g = new Map();
      groups.set(group, g);
    }
    let s = g.get(name);
    if (!s) {
      s = [];
      g.set(name, s);
    }
    return s;
  };
  return {
    ensureGroup(group) {
      if (!groups.has(group)) groups.set(group, new Map());
    },
    ensureStream(group, name) {
      stream(group, name);
    },
    append(group, name, events) {
      const now = Date.now();
      stream(group, name).push(...events.map((e) => ({ ...e, ingestionTime: now })));
    },
    events(group, name) {
      const g = groups.get(group);
      if (!g) return [];
      return name === undefined ? [...g.values()].flat() : (g.get(name) ?? []);
    },
    streams: (group) => [...(groups.get(group)?.keys() ?? [])],
  };
}
