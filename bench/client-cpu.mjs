// Loaded into vosbench with `node --import` (bench/lib.mjs, cpuMarks): each JSON line vosbench
// prints gets the client's own CPU so far, user + system of all its threads, as client_cpu_ms,
// that of its main thread alone (client_main_cpu_ms: the one that sends and reads the requests),
// and its minor page faults so far (client_minflt).
// A scenario's line is printed when it ends, so the difference between two lines is what the
// client spent on the later scenario.
import { readFileSync } from 'node:fs';

/** The main thread's user + system CPU in ms, from /proc (in clock ticks of 1/100 s, Linux's USER_HZ). */
function mainThreadMs() {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (typeof chunk === 'string' && chunk.startsWith('{') && chunk.endsWith('}\n')) {
    const { userCPUTime, systemCPUTime, minorPageFault } = process.resourceUsage();
    chunk = `${chunk.slice(0, -2)},"client_cpu_ms":${((userCPUTime + systemCPUTime) / 1000).toFixed(1)},"client_main_cpu_ms":${mainThreadMs()},"client_minflt":${minorPageFault}}\n`;
  }
  return write(chunk, ...rest);
};
