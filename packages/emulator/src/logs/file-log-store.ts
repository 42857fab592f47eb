import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { AwsApiError } from "../aws-error.js";
import type { LogStore, StoredLogEvent } from "./log-store.js";

export interface LogStreamState {
  name: string;
  creationTime: number;
  events: StoredLogEvent[];
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
}

export interface LogGroupState {
  name: string;
  creationTime: number;
  streams: Map<string, LogStreamState>;
}

type JournalRecord =
  | { op: "group"; group: string; at: number }
  | { op: "stream"; group: string; stream: string; at: number }
  | { op: "events"; group: string; stream: string; events: StoredLogEvent[] }
  | { op: "delete-group"; group: string }
  | { op: "delete-stream"; group: string; stream: string };

/**
 * CloudWatch Logs storage: groups and streams in memory, every change appended to a JSON-lines journal
 * (when a file is given) and replayed on open, so logs survive a restart with the same data folder.
 * Appends are synchronous because the `LogStore` port is: writers never wait on the API.
 */
export class FileLogStore implements LogStore {
  private readonly groups = new Map<string, LogGroupState>();
  private readonly journal: string | undefined;

  constructor(journal?: string) {
    this.journal = journal;
    if (journal) {
      mkdirSync(dirname(journal), { recursive: true });
      this.replay(journal);
    }
  }

  ensureGroup(group: string): void {
    if (this.groups.has(group)) return;
    this.apply({ op: "group", group, at: Date.now() }, true);
  }

  ensureStream(group: string, stream: string): void {
    this.ensureGroup(group);
    if (this.groups.get(group)?.streams.has(stream)) return;
    this.apply({ op: "stream", group, stream, at: Date.now() }, true);
  }

  append(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): void {
    this.ensureStream(group, stream);
    if (events.length === 0) return;
    const ingestionTime = Date.now();
    const stored = events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime }));
    this.apply({ op: "events", group, stream, events: stored }, true);
  }

  /** Creates a group, failing if it exists (CreateLogGroup). */
  createGroup(group: string): void {
    if (this.groups.has(group)) {
      throw new AwsApiError("ResourceAlreadyExistsException", "The specified log group already exists");
    }
    this.ensureGroup(group);
  }

  /** Creates a stream in an existing group, failing if it exists (CreateLogStream). */
  createStream(group: string, stream: string): void {
    if (this.group(group).streams.has(stream)) {
      throw new AwsApiError("ResourceAlreadyExistsException", "The specified log stream already exists");
    }
    this.ensureStream(group, stream);
  }

  deleteGroup(group: string): void {
    this.group(group);
    this.apply({ op: "delete-group", group }, true);
  }

  deleteStream(group: string, stream: string): void {
    this.stream(group, stream);
    this.apply({ op: "delete-stream", group, stream }, true);
  }

  listGroups(): LogGroupState[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The group, or ResourceNotFoundException as CloudWatch Logs answers. */
  group(name: string): LogGroupState {
    const group = this.groups.get(name);
    if (!group) throw new AwsApiError("ResourceNotFoundException", "The specified log group does not exist.");
    return group;
  }

  stream(group: string, name: string): LogStreamState {
    const stream = this.group(group).streams.get(name);
    if (!stream)
      throw new AwsApiError("ResourceNotFoundException", "The specified log stream does not exist.");
    return stream;
  }

  private apply(record: JournalRecord, persist: boolean): void {
    switch (record.op) {
      case "group":
        if (!this.groups.has(record.group)) {
          this.groups.set(record.group, { name: record.group, creationTime: record.at, streams: new Map() });
        }
        break;
      case "stream": {
        const group = this.groups.get(record.group);
        if (group && !group.streams.has(record.stream)) {
          group.streams.set(record.stream, {
            name: record.stream,
            creationTime: record.at,
            events: [],
            storedBytes: 0,
          });
        }
        break;
      }
      case "events": {
        const stream = this.groups.get(record.group)?.streams.get(record.stream);
        if (!stream) break;
        for (const e of record.events) {
          insertByTime(stream.events, e);
          stream.storedBytes += Buffer.byteLength(e.message) + 26;
          stream.firstEventTimestamp = Math.min(stream.firstEventTimestamp ?? e.timestamp, e.timestamp);
          stream.lastEventTimestamp = Math.max(stream.lastEventTimestamp ?? e.timestamp, e.timestamp);
          stream.lastIngestionTime = e.ingestionTime;
        }
        break;
      }
      case "delete-group":
        this.groups.delete(record.group);
        break;
      case "delete-stream":
        this.groups.get(record.group)?.streams.delete(record.stream);
        break;
    }
    if (persist && this.journal) appendFileSync(this.journal, `${JSON.stringify(record)}\n`);
  }

  private replay(journal: string): void {
    let text: string;
    try {
      text = readFileSync(journal, "utf8");
    } catch {
      return;
    }
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        this.apply(JSON.parse(line) as JournalRecord, false);
      } catch {
        // A torn last line from an interrupted write: everything before it is intact.
      }
    }
  }
}

/** Keeps events in timestamp order (CloudWatch returns them so); appends in order are O(1). */
function insertByTime(events: StoredLogEvent[], event: StoredLogEvent): void {
  let i = events.length;
  while (i > 0 && (events[i - 1] as StoredLogEvent).timestamp > event.timestamp) i--;
  events.splice(i, 0, event);
}
