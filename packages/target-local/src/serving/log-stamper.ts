// Runs beside a detached model server (started by launchModelServer): appends each line the server writes
// to stdin to the log file named by its argument, after the time it came (`<ISO 8601> <line>`), until the
// server's output ends. Its own failures cannot be reported anywhere but its exit code.
import { openSync, writeSync } from "node:fs";
import { forEachLine } from "../lines.js";

const file = process.argv[2];
if (!file) process.exit(2);
const fd = openSync(file, "a");
forEachLine(process.stdin, (line) => {
  writeSync(fd, `${new Date().toISOString()} ${line}\n`);
});
