// What a process costs, from /proc (Linux): CPU time as utime+stime and peak RSS as VmHWM. Both are the
// kernel's own counters for that one process, unlike process.resourceUsage().maxRSS, which in a forked child
// includes the parent's memory at fork time. Pinning uses taskset (util-linux) when it is installed.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticks;
const clockTicks = () => {
  ticks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticks;
};

/** CPU seconds (user + system) a process has used so far; 0 for one that is gone. */
export function cpuSeconds(pid = "self") {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return 0;
  }
  // Fields after the command name, which may itself hold spaces: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/**
 * CPU seconds of this process's main thread and of all its other threads together (V8's compiler and GC
 * helpers, libuv's file I/O pool): what the main thread's profile does not show.
 */
export function threadCpuSeconds() {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    const seconds = cpuSeconds(`self/task/${tid}`);
    if (tid === String(process.pid)) main = seconds;
    else others += seconds;
  }
  return { main, others };
}

/** Summed CPU seconds of several processes (an endpoint's primary and its workers). */
export const cpuSecondsOf = (pids) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** Peak resident set size in MB (VmHWM). */
export function peakRssMB(pid = "self") {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return kb / 1024;
}

export const canPin = () => spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;

/** Pins every thread of each process to `cpus` ("0", "1", "0-1"); children forked later inherit it. */
export function pin(pids, cpus) {
  for (const pid of pids) execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/** The 1-minute load average, quoted with every figure on this shared machine. */
export const load1 = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
