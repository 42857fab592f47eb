/** One CloudWatch Logs event as stored. */
export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/**
 * The emulator's CloudWatch Logs storage. The SageMaker service writes training and endpoint output here;
 * the CloudWatch Logs API handlers read it. Implemented in `logs/` by the infrastructure part.
 */
export interface LogStore {
  /** Creates the group if missing. */
  ensureGroup(group: string): void;
  /** Creates the stream (and its group) if missing. */
  ensureStream(group: string, stream: string): void;
  /** Appends events in order; creates group and stream if missing. */
  append(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): void;
}
